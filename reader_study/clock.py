"""The one clock of the application.

Every protocol decision (washout, session opening, read timestamps) reads the
time through :func:`now`, never ``datetime.now`` or ``timezone.now`` directly.
Tests move time with :func:`set_offset`; there is no other bypass. The offset is
read from ``settings.TEST_CLOCK_FILE`` so that a separate server process (the
end-to-end tests run gunicorn) sees the same moved time. Production never sets
that file, so the offset is always zero there.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.utils import timezone


def _offset_file() -> Path | None:
    path = getattr(settings, "TEST_CLOCK_FILE", None)
    return Path(path) if path else None


def get_offset() -> dt.timedelta:
    """Return the current test offset (zero unless a test moved the clock)."""
    path = _offset_file()
    if path is None or not path.exists():
        return dt.timedelta(0)
    text = path.read_text().strip()
    return dt.timedelta(seconds=float(text or 0))


def now() -> dt.datetime:
    """Return the current, timezone-aware time as the application sees it."""
    return timezone.now() + get_offset()


def set_offset(offset: dt.timedelta) -> None:
    """Move the clock (tests only); refuses when no TEST_CLOCK_FILE is configured."""
    path = _offset_file()
    if path is None:
        raise RuntimeError("The clock can only be moved when settings.TEST_CLOCK_FILE is set (tests only).")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(offset.total_seconds()))


def advance(delta: dt.timedelta) -> None:
    """Move the clock forward by ``delta`` (tests only)."""
    set_offset(get_offset() + delta)
