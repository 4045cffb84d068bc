"""What a reader may be shown when, and when their next session opens.

One rule covers the three designs: AI output for a case may be shown once the
session holding the case's *aided* read is open, unless the reader still owes
an unaided read of that case in a session that has been opened. So:

* unaided-then-aided: after session 2 opens (all unaided reads locked, washout over);
* sequential: as soon as the unaided read of that case is locked;
* crossover: during the session that reads the case aided; hidden again while
  the later unaided read of that case is open, until it is locked.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass

from .designs import Arm, PlannedItem
from .rules import Violation
from .state import ReaderState, SessionState
from .washout import session_violations


def may_show_ai(state: ReaderState, case: Hashable) -> bool:
    """Return True when AI output for ``case`` may be shown to this reader now."""
    if not state.study_open:
        return False
    aided_session = state.session_of(PlannedItem(case, Arm.AIDED))
    if aided_session is None or not state.is_opened(aided_session):
        return False
    unaided_session = state.session_of(PlannedItem(case, Arm.UNAIDED))
    if unaided_session is None or not state.is_opened(unaided_session):
        return True
    unaided = state.read(case, Arm.UNAIDED)
    return unaided is not None and unaided.locked


@dataclass(frozen=True)
class SessionStatus:
    number: int
    state: SessionState
    total: int
    locked: int
    opens_at: dt.datetime | None
    violations: tuple[Violation, ...]

    @property
    def message(self) -> str:
        return " ".join(v.message for v in self.violations)


def session_statuses(state: ReaderState, now: dt.datetime) -> list[SessionStatus]:
    """Return the status of every planned session of the reader, in order."""
    statuses = []
    for plan in state.plans:
        locked = state.locked_count(plan.number)
        violations: tuple[Violation, ...] = ()
        opens_at = None
        if state.is_complete(plan.number) and state.is_opened(plan.number):
            current = SessionState.COMPLETED
        elif state.is_opened(plan.number):
            current = SessionState.IN_PROGRESS
        else:
            violations = tuple(session_violations(state, plan.number, now))
            current = SessionState.WAITING if violations else SessionState.AVAILABLE
            times = [v.opens_at for v in violations]
            opens_at = max(times) if times and all(times) else None  # type: ignore[type-var]
        statuses.append(SessionStatus(plan.number, current, len(plan.items), locked, opens_at, violations))
    return statuses


def next_opening(state: ReaderState, now: dt.datetime) -> dt.datetime | None:
    """Return when the reader's next waiting session opens, if only time stands in the way."""
    for status in session_statuses(state, now):
        if status.state is SessionState.WAITING:
            return status.opens_at
    return None
