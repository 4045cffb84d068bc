"""Reader-profile calls of the Readers page, delegated to PROTOCOL's services."""
from __future__ import annotations

from typing import Any

from .. import services


def reader_experience(user) -> str | None:
    """Return 'junior' / 'senior' from the reader profile, if any."""
    profile = getattr(user, "reader_profile", None)
    return getattr(profile, "experience", None)


def set_reader_experience(user, experience: str, years: int | None, *, actor: Any) -> None:
    """Store the experience stratum on the reader profile (audited by the service)."""
    services.do_set_reader_profile(actor, user, experience=experience, years_of_experience=years or 0)
