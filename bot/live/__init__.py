"""Live chat: staff answer visitors inside the widget during office hours, the bot paused."""
