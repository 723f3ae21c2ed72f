"""Database plumbing shared by our stores and Rasa's: riding out a database restart."""
