"""Settings for the test suite: the real PostgreSQL and Redis of the machine.

Every value can still be overridden from the environment (helpers running in
parallel use their own database and Redis numbers).
"""
import os
import tempfile
from pathlib import Path

_tmp = Path(os.environ.get("RS_TEST_TMP", Path(tempfile.gettempdir()) / f"reader-study-tests-{os.getuid()}"))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/reader_study")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("MEDIA_ROOT", str(_tmp / "media"))
os.environ.setdefault("READER_STUDY_VAR", str(_tmp / "var"))
os.environ.setdefault("TEST_CLOCK_FILE", str(_tmp / "clock-offset"))
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from reader_study.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
