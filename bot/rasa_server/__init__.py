"""Rasa's own server, started with the project's process-wide fixes to Rasa applied."""
