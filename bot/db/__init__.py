"""Our own database tables and their Alembic migrations (Rasa's tracker tables stay outside)."""
