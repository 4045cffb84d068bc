"""When AI output may be shown, session states, the state machine and the next opening date."""
import datetime as dt

import pytest

from reader_study.protocol import Arm, Design, ReadFact, SessionState, may_show_ai, next_opening, session_statuses
from reader_study.protocol.state import InvalidTransition, SessionEvent, transition

from .conftest import CASES, T0, WASHOUT, SessionFact, locked_reads, make_state


def test_paper_design_hides_ai_until_the_aided_session_is_open():
    sessions = [SessionFact(1, opened_at=T0)]
    state = make_state(Design.UNAIDED_THEN_AIDED, sessions=sessions, reads=locked_reads(Arm.UNAIDED, 1, T0))
    assert not may_show_ai(state, 1)
    opened = make_state(
        Design.UNAIDED_THEN_AIDED,
        sessions=sessions + [SessionFact(2, opened_at=T0 + WASHOUT)],
        reads=locked_reads(Arm.UNAIDED, 1, T0),
    )
    assert may_show_ai(opened, 1)
    assert not may_show_ai(make_state(Design.UNAIDED_THEN_AIDED, study_open=False), 1)


def test_sequential_shows_ai_only_after_that_case_is_locked():
    state = make_state(
        Design.SEQUENTIAL,
        sessions=[SessionFact(1, opened_at=T0)],
        reads=[ReadFact(1, Arm.UNAIDED, 1, T0, T0, True), ReadFact(2, Arm.UNAIDED, 1, T0)],
    )
    assert may_show_ai(state, 1)
    assert not may_show_ai(state, 2)
    assert not may_show_ai(state, 3)


def test_crossover_shows_ai_for_the_aided_block_and_hides_it_during_the_later_unaided_read():
    blocks = {1: "A", 2: "B", 3: "A", 4: "B"}
    s1 = [SessionFact(1, opened_at=T0)]
    state = make_state(Design.CROSSOVER, blocks=blocks, group=0, sessions=s1)
    assert may_show_ai(state, 1) and not may_show_ai(state, 2)
    reads = locked_reads(Arm.AIDED, 1, T0, cases=(1, 3)) + locked_reads(Arm.UNAIDED, 1, T0, cases=(2, 4))
    s2 = s1 + [SessionFact(2, opened_at=T0 + WASHOUT)]
    later = make_state(Design.CROSSOVER, blocks=blocks, group=0, sessions=s2, reads=reads)
    assert not may_show_ai(later, 1)  # block A now read unaided
    assert may_show_ai(later, 2)  # block B now read aided, its unaided read is locked
    done = make_state(Design.CROSSOVER, blocks=blocks, group=0, sessions=s2,
                      reads=reads + [ReadFact(1, Arm.UNAIDED, 2, T0 + WASHOUT, T0 + WASHOUT, True)])
    assert may_show_ai(done, 1)


def test_session_statuses_and_next_opening_date():
    state = make_state(
        Design.UNAIDED_THEN_AIDED, sessions=[SessionFact(1, opened_at=T0)], reads=locked_reads(Arm.UNAIDED, 1, T0)
    )
    first, second = session_statuses(state, T0 + dt.timedelta(days=1))
    assert (first.state, first.locked, first.total) == (SessionState.COMPLETED, len(CASES), len(CASES))
    assert second.state is SessionState.WAITING and second.opens_at == T0 + WASHOUT
    assert next_opening(state, T0) == T0 + WASHOUT
    assert session_statuses(state, T0 + WASHOUT)[1].state is SessionState.AVAILABLE
    assert next_opening(state, T0 + WASHOUT) is None


def test_in_progress_session_without_time_bound_has_no_opening_date():
    state = make_state(Design.UNAIDED_THEN_AIDED, sessions=[SessionFact(1, opened_at=T0)])
    assert session_statuses(state, T0)[0].state is SessionState.IN_PROGRESS
    assert next_opening(state, T0) is None  # waiting on the reader, not on the clock


def test_state_machine_refuses_skipping_states():
    assert transition(SessionState.AVAILABLE, SessionEvent.OPEN) is SessionState.IN_PROGRESS
    assert transition(SessionState.IN_PROGRESS, SessionEvent.COMPLETE) is SessionState.COMPLETED
    with pytest.raises(InvalidTransition, match="waiting cannot take the event 'open'"):
        transition(SessionState.WAITING, SessionEvent.OPEN)
    with pytest.raises(InvalidTransition):
        transition(SessionState.COMPLETED, SessionEvent.OPEN)
