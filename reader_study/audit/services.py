"""Record audit events. Call :func:`record` inside the transaction of the change."""
from __future__ import annotations

from typing import Any

from django.db import models

from reader_study import clock

from .models import AuditEvent


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    actor: Any = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    study_id: int | None = None,
    before: Any = None,
    after: Any = None,
    message: str = "",
) -> AuditEvent:
    """Append one audit event.

    ``obj`` gives the object type and id unless they are passed explicitly.
    ``actor`` is a user or ``None`` for the system (tasks, commands).
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=user,
        actor_label=getattr(user, "username", "") or "system",
        action=action,
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id),
        study_id=study_id,
        before=before,
        after=after,
        message=message,
    )
