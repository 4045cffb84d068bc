"""Helpers for the pure protocol tests: build reader states without a database."""
from __future__ import annotations

import datetime as dt

import pytest

from reader_study.protocol import Arm, Design, ReaderState, ReadFact, SessionFact, plan_sessions

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
WASHOUT = dt.timedelta(days=30)
CASES = (1, 2, 3, 4)


def make_state(design: Design, *, sessions=(), reads=(), blocks=None, group=0, study_open=True) -> ReaderState:
    plans = plan_sessions(design, CASES, blocks=blocks, group=group)
    return ReaderState(
        design=design,
        washout=WASHOUT,
        plans=plans,
        sessions={s.number: s for s in sessions},
        reads=tuple(reads),
        study_open=study_open,
    )


def locked_reads(arm: Arm, session: int, at: dt.datetime, cases=CASES) -> list[ReadFact]:
    return [ReadFact(c, arm, session, started_at=at, submitted_at=at, locked=True) for c in cases]


@pytest.fixture
def t0() -> dt.datetime:
    return T0


__all__ = ["CASES", "T0", "WASHOUT", "SessionFact", "locked_reads", "make_state"]
