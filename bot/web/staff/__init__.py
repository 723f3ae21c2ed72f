"""The staff inbox at /staff (one blueprint; importing the modules registers their routes)."""

from bot.web.staff import auth, inbox
from bot.web.staff.guard import bp

__all__ = ["auth", "bp", "inbox"]
