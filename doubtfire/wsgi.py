"""WSGI entry point for gunicorn (`gunicorn doubtfire.wsgi`)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doubtfire.settings")

application = get_wsgi_application()
