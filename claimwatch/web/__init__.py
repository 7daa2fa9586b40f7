"""Jinja2 templates of the web pages (served by claimwatch.api)."""
