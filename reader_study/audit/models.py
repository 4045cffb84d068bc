"""Append-only audit trail of every state change."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: D102 - refuse bulk edits of the trail
        raise PermissionError("Audit events are append-only and cannot be updated.")

    def delete(self):  # noqa: D102
        raise PermissionError("Audit events are append-only and cannot be deleted.")


class AuditEvent(models.Model):
    """One state change: who did what to which object, with before and after.

    Rows are never updated or deleted through the application: ``save`` refuses
    an existing row and ``delete`` always raises.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, help_text="Username at the time, or 'system'.")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    study_id = models.BigIntegerField(null=True, blank=True, db_index=True, help_text="Reader study, if any.")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    message = models.TextField(blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        who = self.actor_label or "system"
        return f"{self.at:%Y-%m-%d %H:%M:%S} {who} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only and cannot be deleted.")
