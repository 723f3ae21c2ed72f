"""Staff, the second user: accounts, sessions, the inbox's handoff work, audit, dashboard, purge."""
