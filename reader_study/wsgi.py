"""WSGI entry point (gunicorn reader_study.wsgi)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reader_study.settings")
application = get_wsgi_application()
