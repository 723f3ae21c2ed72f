"""The scaled-out topology on one machine: PostgreSQL, Redis, two Rasa replicas, nginx."""
