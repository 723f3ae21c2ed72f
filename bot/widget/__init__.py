"""The website chat widget: static files (static/) and the demo article page (page.py)."""
