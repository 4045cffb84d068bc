"""Failed-login bookkeeping for throttling.

Stored in the database rather than the cache so that every web process (and a
restart) sees the same lock; the cache of the demo is per-process memory.
"""
from __future__ import annotations

from django.db import models


class LoginThrottle(models.Model):
    """Consecutive failed logins of one username from one IP address."""

    username = models.CharField(max_length=150)
    ip_address = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["username", "ip_address"], name="one_throttle_per_username_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip_address}: {self.failures} failures"
