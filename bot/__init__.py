"""Aluma Aesthetics' chat assistant: web service, handoff store, NLU components and tools."""
