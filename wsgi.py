"""Entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from catalogue import create_app

app = create_app()
