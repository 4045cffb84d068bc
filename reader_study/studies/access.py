"""Who may see what, now. Every view and API of every app asks these questions.

First cut (foundation): only coordinators (staff) may see anything. The
reading-protocol issue replaces the bodies with the full protocol rules; the
signatures are the contract the viewer and inference apps rely on.
"""
from __future__ import annotations

from typing import Any


def is_coordinator(user: Any) -> bool:
    """Return True for study coordinators (and superusers)."""
    return bool(getattr(user, "is_authenticated", False) and (user.is_staff or user.is_superuser))


def can_view_case_images(user: Any, case: Any) -> bool:
    """Return True when ``user`` may load the images of ``case`` now."""
    return is_coordinator(user)


def can_view_ai_output(user: Any, case: Any) -> bool:
    """Return True when ``user`` may see ALMSS output (probabilities, masks, heat maps) of ``case`` now."""
    return is_coordinator(user)
