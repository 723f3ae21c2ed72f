"""The web service (Sanic 21.12, port 8000): health, widget, staff inbox."""
