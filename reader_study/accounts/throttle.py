"""Throttle repeated failed logins per (username, IP address).

After ``MAX_FAILURES`` consecutive failures the pair is locked for
``LOCK_DURATION``; a success resets the count. Failures older than
``FAILURE_WINDOW`` are forgotten. Every failure and every lock is audited.
Time is read through :func:`reader_study.clock.now` so tests can move it.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from reader_study import clock
from reader_study.audit.services import record

from .models import LoginThrottle

MAX_FAILURES = 5
LOCK_DURATION = dt.timedelta(minutes=15)
FAILURE_WINDOW = dt.timedelta(minutes=15)


def normalise_username(username: str) -> str:
    """Usernames are matched case-insensitively so 'Alice' and 'alice' share a counter."""
    return (username or "").strip().lower()[:150]


def client_ip(request) -> str:
    """Return the client address (REMOTE_ADDR; a proxy must set it, forwarded headers are spoofable)."""
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64] if request is not None else "unknown"


def locked_until(username: str, ip_address: str) -> dt.datetime | None:
    """Return the end of the current lock of (username, IP), or None when login may be tried."""
    row = LoginThrottle.objects.filter(username=normalise_username(username), ip_address=ip_address).first()
    if row and row.locked_until and row.locked_until > clock.now():
        return row.locked_until
    return None


@transaction.atomic
def register_failure(username: str, ip_address: str) -> LoginThrottle:
    """Count one failed login; lock the pair when the limit is reached (both audited)."""
    now = clock.now()
    row, _ = LoginThrottle.objects.select_for_update().get_or_create(
        username=normalise_username(username), ip_address=ip_address
    )
    if row.last_failure_at is None or now - row.last_failure_at > FAILURE_WINDOW:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    after = {"username": row.username, "ip": ip_address, "failures": row.failures}
    record("auth.login_failed", row, after=after)
    if row.failures >= MAX_FAILURES:
        row.locked_until = now + LOCK_DURATION
        row.failures = 0
        record("auth.login_locked", row, after={**after, "locked_until": row.locked_until.isoformat()})
    row.save()
    return row


def reset(username: str, ip_address: str) -> None:
    """Forget the failures of (username, IP) after a successful login."""
    LoginThrottle.objects.filter(username=normalise_username(username), ip_address=ip_address).delete()
