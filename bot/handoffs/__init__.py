"""Visitor handoffs to staff: contact validation, the transcript, and the durable store."""
