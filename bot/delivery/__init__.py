"""Getting every handoff to staff: outbox, SMTP and webhook senders, reminders, scheduler."""
