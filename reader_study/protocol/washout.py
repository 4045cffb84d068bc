"""Rules that decide when a session may open and when a read may start.

Session rules (context :class:`SessionContext`): the study is open, the
previous sessions are complete, and the washout has elapsed since the reader's
last read of the previous session (inclusive: at exactly ``last + washout`` the
session opens). Read rules (context :class:`ReadContext`): the read is in the
plan, its session is open, in the sequential design the unaided read of the
case is locked first, and in designs with a washout no case is read twice by
the same reader within the washout.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .designs import Arm, Design, PlannedItem
from .rules import Violation, format_time, run_rules
from .state import ReaderState


@dataclass(frozen=True)
class SessionContext:
    state: ReaderState
    number: int
    now: dt.datetime


@dataclass(frozen=True)
class ReadContext:
    state: ReaderState
    item: PlannedItem
    now: dt.datetime


class StudyOpenRule:
    code = "study_not_open"

    def check(self, context: SessionContext | ReadContext) -> Violation | None:
        if context.state.study_open:
            return None
        return Violation(self.code, "The study is not open for reading; ask the coordinator to open it.")


class SessionExistsRule:
    code = "no_such_session"

    def check(self, context: SessionContext) -> Violation | None:
        if context.state.plan(context.number) is not None:
            return None
        count = len(context.state.plans)
        return Violation(
            self.code,
            f"Session {context.number} does not exist in this design; sessions are numbered 1 to {count}.",
            {"number": context.number},
        )


class PreviousSessionCompleteRule:
    code = "previous_session_incomplete"

    def check(self, context: SessionContext) -> Violation | None:
        state = context.state
        for plan in state.plans:
            if plan.number >= context.number or state.is_complete(plan.number):
                continue
            remaining = len(plan.items) - state.locked_count(plan.number)
            return Violation(
                self.code,
                f"Session {context.number} opens only after every read of session {plan.number} is submitted: "
                f"{remaining} of {len(plan.items)} reads are still open. Finish session {plan.number} first.",
                {"session": plan.number, "remaining": remaining},
            )
        return None


class WashoutElapsedRule:
    code = "washout_not_elapsed"

    def check(self, context: SessionContext) -> Violation | None:
        state = context.state
        if not state.design.has_washout or context.number <= 1:
            return None
        last = state.last_submission(set(range(1, context.number)))
        if last is None:
            return None  # previous session not complete: PreviousSessionCompleteRule says so
        opens_at = last + state.washout
        if context.now >= opens_at:
            return None
        return Violation(
            self.code,
            f"Session {context.number} opens on {format_time(opens_at)}: the washout of {state.washout.days} days "
            f"runs from your last read of the previous session on {format_time(last)}.",
            {"opens_at": opens_at.isoformat(), "last_read_at": last.isoformat(), "washout_days": state.washout.days},
            opens_at=opens_at,
        )


SESSION_RULES = (StudyOpenRule(), SessionExistsRule(), PreviousSessionCompleteRule(), WashoutElapsedRule())


def session_violations(state: ReaderState, number: int, now: dt.datetime) -> list[Violation]:
    """Return every reason why session ``number`` may not open now (empty: it may)."""
    return run_rules(SESSION_RULES, SessionContext(state, number, now))


class ItemPlannedRule:
    code = "not_in_plan"

    def check(self, context: ReadContext) -> Violation | None:
        if context.state.session_of(context.item) is not None:
            return None
        return Violation(
            self.code,
            f"This case is not to be read {context.item.arm.value} by you in this study; "
            "pick a case from your worklist.",
            {"arm": context.item.arm.value},
        )


class SessionOpenedRule:
    code = "session_not_open"

    def check(self, context: ReadContext) -> Violation | None:
        number = context.state.session_of(context.item)
        if number is None or context.state.is_opened(number):
            return None
        opens = session_violations(context.state, number, context.now)
        when = next((v.opens_at for v in opens if v.opens_at), None)
        hint = f" It opens on {format_time(when)}." if when else " Open the session from your session list first."
        return Violation(self.code, f"Session {number} is not open yet.{hint}", {"session": number}, opens_at=when)


class SequentialUnaidedFirstRule:
    code = "unaided_read_not_locked"

    def check(self, context: ReadContext) -> Violation | None:
        if context.state.design is not Design.SEQUENTIAL or context.item.arm is not Arm.AIDED:
            return None
        unaided = context.state.read(context.item.case, Arm.UNAIDED)
        if unaided is not None and unaided.locked:
            return None
        return Violation(self.code, "Submit your unaided read of this case first; the AI output opens after it.")


class CaseWashoutRule:
    code = "case_read_within_washout"

    def check(self, context: ReadContext) -> Violation | None:
        state = context.state
        if not state.design.has_washout:
            return None
        earlier = [
            r.last_activity
            for r in state.reads
            if r.case == context.item.case and r.arm is not context.item.arm and r.last_activity is not None
        ]
        if not earlier:
            return None
        opens_at = max(earlier) + state.washout
        if context.now >= opens_at:
            return None
        return Violation(
            self.code,
            f"You read this case on {format_time(max(earlier))}; it may be read again only after the washout of "
            f"{state.washout.days} days, on {format_time(opens_at)}.",
            {"opens_at": opens_at.isoformat()},
            opens_at=opens_at,
        )


READ_RULES = (StudyOpenRule(), ItemPlannedRule(), SessionOpenedRule(), SequentialUnaidedFirstRule(), CaseWashoutRule())


def read_violations(state: ReaderState, item: PlannedItem, now: dt.datetime) -> list[Violation]:
    """Return every reason why ``item`` may not be read now (empty: it may)."""
    return run_rules(READ_RULES, ReadContext(state, item, now))
