"""REST API and web pages (FastAPI + Jinja2)."""
