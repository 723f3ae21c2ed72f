"""Rasa input channels for the widget: Rasa's REST and Socket.IO channels with our guards."""
