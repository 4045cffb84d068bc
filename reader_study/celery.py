"""Celery application: two queues, ``default`` and ``gpu`` (ALMSS inference).

GPU workers on other machines consume only ``gpu`` against the same broker and
database: ``celery -A reader_study worker -Q gpu -c 1``.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reader_study.settings")

app = Celery("reader_study")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
