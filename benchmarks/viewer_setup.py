"""Shared set-up of the viewer benchmarks: throwaway database and media, a synthetic study, gunicorn, a session.

Not a benchmark itself; ``viewer.py`` and ``dicom_serving.py`` import it. The database is a throwaway: with
``DATABASE_URL`` set, a ``bench_viewer_<pid>`` database is created next to it (Django test-runner style) and
dropped afterwards; otherwise SQLite in the temporary folder.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import bench_django  # benchmarks/ is sys.path[0] when run as a script
from bench_django import configure_django, destroy_database  # noqa: F401  (re-exported for the benchmarks)

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_database() -> tuple[str, bool]:
    """Create and migrate the throwaway ``bench_viewer_<pid>`` database (see bench_django)."""
    return bench_django.create_database("bench_viewer")


def database_url() -> str:
    """The URL of the throwaway database, for the server process."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@dataclass
class BenchStudy:
    case_pk: int
    media: Path
    frame_urls: list[str]      # WADO-RS frames, in slice order, all phases
    instance_urls: list[str]   # WADO-RS instances (Part-10 files)
    file_paths: list[str]      # the same files relative to MEDIA_ROOT (for nginx)
    total_bytes: int


def make_study(work: Path, *, size: int, slices: int, compressed: bool) -> BenchStudy:
    """Write a synthetic 4-phase study and its rows; return its URLs."""
    from django.urls import reverse

    from reader_study.cases.models import Series
    from reader_study.viewer import synthetic
    from reader_study.vocabulary import PHASES

    media = work / "media"
    folder = media / "studies" / "BENCH-1"
    series = synthetic.write_study(folder, size=size, slices=slices, compressed=PHASES if compressed else ())
    case = synthetic.register_study("BENCH-1", folder, media, series)
    frames, instances, paths, total = [], [], [], 0
    for row in Series.objects.filter(study__case=case).order_by("phase"):
        for inst in row.instances.order_by("index"):
            args = [row.study.study_instance_uid, row.series_instance_uid, inst.sop_instance_uid]
            frames.append(reverse("viewer:frames", args=[*args, 1]))
            instances.append(reverse("viewer:instance", args=args))
            paths.append(inst.path)
            total += inst.size
    return BenchStudy(case.pk, media, frames, instances, paths, total)


def session_cookie() -> tuple[str, str]:
    """Create a superuser (may view every case) and return its session cookie (name, value)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.create_superuser("bench", password="bench-password-123")
    client = Client()
    client.force_login(user)
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


class Gunicorn:
    """The Django app under gunicorn (the production shape), static files through WhiteNoise."""

    def __init__(self, work: Path, workers: int = 2, threads: int = 4):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Persistent database connections, as a production deployment sets them (DB_CONN_MAX_AGE).
        self.conn_max_age = os.environ.get("DB_CONN_MAX_AGE", "60")
        env = {**os.environ, "DATABASE_URL": database_url(), "WHITENOISE_USE_FINDERS": "1", "DEBUG": "0",
               "ALLOWED_HOSTS": "127.0.0.1,localhost", "PYTHONPATH": str(REPO), "DB_CONN_MAX_AGE": self.conn_max_age}
        self.log = work / "gunicorn.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "reader_study.wsgi", "-b", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--threads", str(threads), "--timeout", "120"],
            cwd=REPO, env=env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_for_http(self.url + "/accounts/login/", self.proc, self.log)

    def stop(self) -> None:
        stop_process_group(self.proc)


def wait_for_http(url: str, proc: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; see {log}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds} s; see {log}")


def stop_process_group(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
