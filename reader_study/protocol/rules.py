"""Violations and the rule runner, shaped like Django's password validators.

Each rule is a small class with a stable ``code`` and a ``check(context)``
returning a :class:`Violation` or ``None``. :func:`run_rules` runs every rule
and returns every violation, so a refusal lists all reasons at once.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Violation:
    """One broken protocol rule: a stable code, a message naming the value and the fix."""

    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)
    opens_at: dt.datetime | None = None  # when the rule will stop refusing, if time alone decides


class ProtocolError(Exception):
    """Raised by services when one or more protocol rules refuse an action."""

    def __init__(self, violations: Iterable[Violation]):
        self.violations = tuple(violations)
        if not self.violations:
            raise ValueError("ProtocolError needs at least one violation")
        super().__init__(" ".join(v.message for v in self.violations))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.violations)

    @property
    def opens_at(self) -> dt.datetime | None:
        """The latest time-based opening among the violations (None if any violation is not time-bound)."""
        times = [v.opens_at for v in self.violations]
        if any(t is None for t in times):
            return None
        return max(times)  # type: ignore[type-var]


class Rule(Protocol):
    code: str

    def check(self, context: Any) -> Violation | None: ...


def run_rules(rules: Iterable[Rule], context: Any) -> list[Violation]:
    """Run every rule and return all violations (empty when the action is allowed)."""
    return [v for v in (rule.check(context) for rule in rules) if v is not None]


def raise_violations(violations: list[Violation]) -> None:
    """Raise :class:`ProtocolError` when there is any violation."""
    if violations:
        raise ProtocolError(violations)


def format_time(moment: dt.datetime) -> str:
    """Format a time for messages: ``2026-12-27 14:00 UTC``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
