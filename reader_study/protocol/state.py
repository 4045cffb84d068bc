"""What the protocol knows about one reader in one study, as plain facts.

Services build a :class:`ReaderState` from the database; every rule and the
blinding decision take it, so they can be tested without Django.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from .designs import Arm, Design, PlannedItem, SessionPlan


@dataclass(frozen=True)
class ReadFact:
    case: Hashable
    arm: Arm
    session: int
    started_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    locked: bool = False

    @property
    def last_activity(self) -> dt.datetime | None:
        """When the reader last looked at the case in this read (for the per-case washout)."""
        return self.submitted_at or self.started_at


@dataclass(frozen=True)
class SessionFact:
    number: int
    opened_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None


@dataclass(frozen=True)
class ReaderState:
    """A reader's position in a study: plan, opened sessions and reads."""

    design: Design
    washout: dt.timedelta
    plans: tuple[SessionPlan, ...]
    sessions: Mapping[int, SessionFact] = field(default_factory=dict)
    reads: tuple[ReadFact, ...] = ()
    study_open: bool = True

    def plan(self, number: int) -> SessionPlan | None:
        return next((p for p in self.plans if p.number == number), None)

    @cached_property
    def _session_by_item(self) -> dict[PlannedItem, int]:
        return {item: plan.number for plan in self.plans for item in plan.items}

    @cached_property
    def _read_by_item(self) -> dict[tuple[Hashable, Arm], ReadFact]:
        return {(r.case, r.arm): r for r in self.reads}

    def session_of(self, item: PlannedItem) -> int | None:
        """Return the session number holding ``item`` in the plan."""
        return self._session_by_item.get(item)

    def read(self, case: Hashable, arm: Arm) -> ReadFact | None:
        return self._read_by_item.get((case, Arm(arm)))

    def is_opened(self, number: int | None) -> bool:
        fact = self.sessions.get(number) if number is not None else None
        return bool(fact and fact.opened_at is not None)

    def locked_count(self, number: int) -> int:
        plan = self.plan(number)
        if plan is None:
            return 0
        return sum(1 for item in plan.items if (r := self.read(item.case, item.arm)) is not None and r.locked)

    def is_complete(self, number: int) -> bool:
        plan = self.plan(number)
        return plan is not None and self.locked_count(number) == len(plan.items)

    def last_submission(self, numbers: set[int]) -> dt.datetime | None:
        times = [r.submitted_at for r in self.reads if r.session in numbers and r.submitted_at is not None]
        return max(times) if times else None


class SessionState(StrEnum):
    """The life of one reading session."""

    WAITING = "waiting"  # a rule still refuses opening (previous session, washout, study status)
    AVAILABLE = "available"  # may be opened now
    IN_PROGRESS = "in_progress"  # opened, some reads still unlocked
    COMPLETED = "completed"  # every read of the session locked


class SessionEvent(StrEnum):
    RULES_SATISFIED = "rules_satisfied"
    OPEN = "open"
    COMPLETE = "complete"


TRANSITIONS: dict[SessionState, dict[SessionEvent, SessionState]] = {
    SessionState.WAITING: {SessionEvent.RULES_SATISFIED: SessionState.AVAILABLE},
    SessionState.AVAILABLE: {SessionEvent.OPEN: SessionState.IN_PROGRESS},
    SessionState.IN_PROGRESS: {SessionEvent.COMPLETE: SessionState.COMPLETED},
    SessionState.COMPLETED: {},
}


class InvalidTransition(ValueError):
    """A session event that its current state does not allow."""


def transition(state: SessionState, event: SessionEvent) -> SessionState:
    """Return the state after ``event``; refuse events the state does not allow."""
    try:
        return TRANSITIONS[state][event]
    except KeyError:
        allowed = ", ".join(TRANSITIONS[state]) or "none"
        raise InvalidTransition(
            f"a session that is {state.value} cannot take the event {event.value!r} (allowed: {allowed})"
        ) from None
