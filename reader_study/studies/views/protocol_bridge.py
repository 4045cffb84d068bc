"""The few calls the pages make into PROTOCOL's services, in one place."""
from __future__ import annotations

from typing import Any


def reader_experience(user) -> str | None:
    """Return 'junior' / 'senior' from the reader profile, if any."""
    profile = getattr(user, "reader_profile", None)
    return getattr(profile, "experience", None)


def set_reader_experience(user, experience: str, years: int | None, *, actor: Any) -> None:
    """Store the experience level on the reader profile (PROTOCOL's model)."""
    return None
