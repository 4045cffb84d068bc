"""Reader-study platform for AI-assisted liver CT diagnosis (Django project package)."""
from .celery import app as celery_app

__all__ = ["celery_app"]
