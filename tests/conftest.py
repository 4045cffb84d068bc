"""Fixtures shared by the whole suite: clock, media folder, a real Celery worker, Chromium."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # sync Playwright runs an event loop in the test thread

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _reset_clock(settings):
    """Every test starts with the real time; tests move it with ``move_clock``."""
    path = Path(settings.TEST_CLOCK_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("0")
    yield
    path.write_text("0")


@pytest.fixture
def move_clock():
    """Return a function that moves the application clock forward."""
    from reader_study import clock

    def _move(**kwargs) -> None:
        clock.advance(dt.timedelta(**kwargs))

    return _move


@pytest.fixture
def media_root(settings, tmp_path):
    """A fresh, empty MEDIA_ROOT for one test."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def _worker_env(db_name: str, media: Path) -> dict[str, str]:
    from django.conf import settings

    env = dict(os.environ)
    db = settings.DATABASES["default"]
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db_name}"
    env["MEDIA_ROOT"] = str(media)
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    env["PYTHONPATH"] = str(REPO)
    return env


@pytest.fixture(scope="session")
def celery_worker_media(tmp_path_factory) -> Path:
    """MEDIA_ROOT shared by the test process and the worker process."""
    return tmp_path_factory.mktemp("worker-media")


class WorkerProcess:
    """A real ``celery worker`` process on the test database and the Redis broker."""

    def __init__(self, env: dict[str, str], queues: str = "default,gpu", logfile: Path | None = None):
        self.env = env
        self.queues = queues
        self.logfile = logfile
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.logfile, "ab") if self.logfile else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "reader_study", "worker", "-Q", self.queues,
             "-c", "1", "-P", "prefork", "--without-gossip", "--without-mingle", "-l", "INFO"],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        from reader_study.celery import app

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited with {self.proc.returncode}; see {self.logfile}")
            try:
                replies = app.control.ping(timeout=1.0)
            except Exception:  # noqa: BLE001 - broker not answering yet
                replies = []
            if replies:
                return
            time.sleep(0.5)
        raise RuntimeError("celery worker did not answer a ping within 60 s")

    def kill(self) -> None:
        """Kill the worker hard (SIGKILL to the whole process group), as a crash would."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, celery_worker_media, tmp_path_factory):
    """Start one real worker for the session (tests that use it need ``transactional_db``)."""
    from django.conf import settings

    from reader_study.celery import app

    app.control.purge()
    env = _worker_env(settings.DATABASES["default"]["NAME"], celery_worker_media)
    worker = WorkerProcess(env, logfile=tmp_path_factory.mktemp("celery") / "worker.log")
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def worker_media(settings, celery_worker_media):
    """Point this test's MEDIA_ROOT at the folder the worker uses, emptied first."""
    for child in celery_worker_media.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    settings.MEDIA_ROOT = celery_worker_media
    return celery_worker_media


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium; never a downloaded browser (no ``playwright install``)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """Django served by gunicorn in its own process (the production shape) on the test database."""

    def __init__(self, env: dict[str, str], logfile: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "WHITENOISE_USE_FINDERS": "1", "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "reader_study.wsgi", "-b", f"127.0.0.1:{self.port}",
             "--workers", "2", "--threads", "4", "--timeout", "120"],
            cwd=REPO, env=env, stdout=open(logfile, "ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.logfile = logfile
        self._wait()

    def _wait(self) -> None:
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.logfile}")
            try:
                urllib.request.urlopen(self.url + "/api/schema/", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # the server answers (even 401/403 means it is up)
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def app_server(django_db_setup, django_db_blocker, celery_worker_media, tmp_path_factory):
    """gunicorn on the test database, sharing MEDIA_ROOT with the ``celery_worker`` fixture."""
    from django.conf import settings

    env = _worker_env(settings.DATABASES["default"]["NAME"], celery_worker_media)
    server = AppServer(env, tmp_path_factory.mktemp("gunicorn") / "server.log")
    yield server
    server.stop()
