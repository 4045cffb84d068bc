"""Turn database rows into the plain facts the pure protocol rules take."""
from __future__ import annotations

import datetime as dt
from typing import Any

from reader_study.protocol import Arm, Block, Design, ReaderState, ReadFact, SessionFact, plan_sessions

from ..models import Enrolment, Read, ReaderStudy, ReadingSession


def study_plans(study: ReaderStudy, enrolment: Enrolment):
    """Return the session plans of one enrolled reader (cases by primary key)."""
    rows = list(study.study_cases.values_list("case_id", "block"))
    blocks = {case_id: Block(block) for case_id, block in rows if block} if study.design == Design.CROSSOVER else None
    return plan_sessions(
        study.design_enum, [case_id for case_id, _ in rows], blocks=blocks, group=enrolment.crossover_group
    )


def reader_state(study: ReaderStudy, reader: Any, enrolment: Enrolment | None = None) -> ReaderState:
    """Return the protocol state of ``reader`` in ``study`` (the reader must be enrolled)."""
    enrolment = enrolment or Enrolment.objects.get(study=study, reader=reader)
    sessions = {
        s.number: SessionFact(s.number, s.opened_at, s.completed_at)
        for s in ReadingSession.objects.filter(study=study, reader=reader)
    }
    reads = tuple(
        ReadFact(r.case_id, Arm(r.arm), r.session.number, r.started_at, r.submitted_at, r.locked)
        for r in Read.objects.filter(study=study, reader=reader).select_related("session")
    )
    return ReaderState(
        design=study.design_enum,
        washout=dt.timedelta(days=study.washout_days),
        plans=study_plans(study, enrolment),
        sessions=sessions,
        reads=reads,
        study_open=study.status == ReaderStudy.Status.OPEN,
    )
