"""WSGI entry point for gunicorn (`gunicorn doubtfire.wsgi`)."""
import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doubtfire.settings")
# Where development (DEBUG on, no SECRET_KEY) keeps its key, outside git: the file manage.py names too.
os.environ.setdefault("DEV_SECRET_KEY_FILE", str(Path(__file__).resolve().parent.parent / ".secret_key"))

application = get_wsgi_application()
