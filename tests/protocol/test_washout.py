"""Session opening and read rules: washout edges, incomplete sessions, per-case washout, sequential unlock."""
import datetime as dt

from reader_study.protocol import Arm, Design, PlannedItem, ReadFact, read_violations, session_violations

from .conftest import CASES, T0, WASHOUT, SessionFact, locked_reads, make_state

US = dt.timedelta(microseconds=1)


def after_unaided(design=Design.UNAIDED_THEN_AIDED, **kwargs):
    return make_state(
        design, sessions=[SessionFact(1, opened_at=T0)], reads=locked_reads(Arm.UNAIDED, 1, T0), **kwargs
    )


def test_first_session_opens_at_once():
    assert session_violations(make_state(Design.UNAIDED_THEN_AIDED), 1, T0) == []


def test_aided_session_closed_one_microsecond_before_the_washout_ends():
    violations = session_violations(after_unaided(), 2, T0 + WASHOUT - US)
    assert [v.code for v in violations] == ["washout_not_elapsed"]
    assert violations[0].opens_at == T0 + WASHOUT
    assert "opens on 2026-02-04 09:00 UTC" in violations[0].message


def test_aided_session_opens_exactly_at_the_end_of_the_washout():
    assert session_violations(after_unaided(), 2, T0 + WASHOUT) == []


def test_washout_runs_from_the_last_unaided_read():
    late = T0 + dt.timedelta(days=3)
    reads = locked_reads(Arm.UNAIDED, 1, T0, cases=CASES[:-1]) + locked_reads(Arm.UNAIDED, 1, late, cases=CASES[-1:])
    state = make_state(Design.UNAIDED_THEN_AIDED, sessions=[SessionFact(1, opened_at=T0)], reads=reads)
    assert [v.code for v in session_violations(state, 2, T0 + WASHOUT)] == ["washout_not_elapsed"]
    assert session_violations(state, 2, T0 + WASHOUT + dt.timedelta(days=3)) == []


def test_aided_session_stays_closed_while_an_unaided_read_is_unlocked():
    reads = locked_reads(Arm.UNAIDED, 1, T0, cases=CASES[:-1]) + [ReadFact(CASES[-1], Arm.UNAIDED, 1, started_at=T0)]
    state = make_state(Design.UNAIDED_THEN_AIDED, sessions=[SessionFact(1, opened_at=T0)], reads=reads)
    violations = session_violations(state, 2, T0 + 10 * WASHOUT)
    assert [v.code for v in violations] == ["previous_session_incomplete"]
    assert "1 of 4 reads are still open" in violations[0].message


def test_all_violations_are_returned_together():
    state = make_state(Design.UNAIDED_THEN_AIDED, study_open=False)
    codes = {v.code for v in session_violations(state, 2, T0)}
    assert codes == {"study_not_open", "previous_session_incomplete"}


def test_unknown_session_number_is_refused():
    assert "no_such_session" in [v.code for v in session_violations(make_state(Design.SEQUENTIAL), 2, T0)]


def test_sequential_has_no_washout_and_unlocks_aided_per_case():
    state = make_state(
        Design.SEQUENTIAL,
        sessions=[SessionFact(1, opened_at=T0)],
        reads=[ReadFact(1, Arm.UNAIDED, 1, started_at=T0, submitted_at=T0, locked=True),
               ReadFact(2, Arm.UNAIDED, 1, started_at=T0)],
    )
    assert read_violations(state, PlannedItem(1, Arm.AIDED), T0) == []
    assert [v.code for v in read_violations(state, PlannedItem(2, Arm.AIDED), T0)] == ["unaided_read_not_locked"]
    assert [v.code for v in read_violations(state, PlannedItem(3, Arm.AIDED), T0)] == ["unaided_read_not_locked"]


def test_read_in_an_unopened_session_is_refused_with_the_opening_date():
    violations = read_violations(after_unaided(), PlannedItem(1, Arm.AIDED), T0 + dt.timedelta(days=1))
    codes = [v.code for v in violations]
    assert "session_not_open" in codes and "case_read_within_washout" in codes
    assert all(v.opens_at == T0 + WASHOUT for v in violations)


def test_per_case_washout_edge_in_crossover():
    blocks = {1: "A", 2: "B", 3: "A", 4: "B"}
    state = make_state(
        Design.CROSSOVER, blocks=blocks, group=0,
        sessions=[SessionFact(1, opened_at=T0), SessionFact(2, opened_at=T0)],
        reads=[ReadFact(1, Arm.AIDED, 1, started_at=T0, submitted_at=T0, locked=True)],
    )
    item = PlannedItem(1, Arm.UNAIDED)
    assert [v.code for v in read_violations(state, item, T0 + WASHOUT - US)] == ["case_read_within_washout"]
    assert read_violations(state, item, T0 + WASHOUT) == []


def test_item_not_in_plan_is_refused():
    state = after_unaided()
    assert "not_in_plan" in [v.code for v in read_violations(state, PlannedItem(99, Arm.UNAIDED), T0)]
