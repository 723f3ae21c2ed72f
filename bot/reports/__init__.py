"""Reports from Rasa's tracker store (`bot report ...`): what visitors asked that the bot could
not answer, and how many conversations, answers, fallbacks and handoffs there were per day."""
