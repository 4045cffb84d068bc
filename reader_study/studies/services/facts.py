"""Turn database rows into the plain facts the pure protocol rules take."""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from reader_study.protocol import Arm, Block, Design, ReaderState, ReadFact, SessionFact, plan_sessions

from ..models import Enrolment, Read, ReaderStudy, ReadingSession


def study_plans(study: ReaderStudy, enrolment: Enrolment, cases: Collection[int] | None = None):
    """Return the session plans of one enrolled reader (cases by primary key; all, or only ``cases``)."""
    rows = study.study_cases.all()
    if cases is not None:
        rows = rows.filter(case_id__in=cases)
    pairs = list(rows.values_list("case_id", "block"))
    blocks = {case_id: Block(block) for case_id, block in pairs if block} if study.design == Design.CROSSOVER else None
    return plan_sessions(
        study.design_enum, [case_id for case_id, _ in pairs], blocks=blocks, group=enrolment.crossover_group
    )


def reader_state(
    study: ReaderStudy, reader: Any, enrolment: Enrolment | None = None, *, cases: Collection[int] | None = None
) -> ReaderState:
    """Return the protocol state of ``reader`` in ``study`` (the reader must be enrolled).

    The study row is read again so that a stale instance (status, washout) never decides. ``cases``
    restricts the plan and reads to those cases: enough for per-case questions (AI gating) and cheaper;
    never use a restricted state for session rules, which count every read.
    """
    study = ReaderStudy.objects.get(pk=study.pk)
    enrolment = enrolment or Enrolment.objects.get(study=study, reader=reader)
    sessions = {
        s.number: SessionFact(s.number, s.opened_at, s.completed_at)
        for s in ReadingSession.objects.filter(study=study, reader=reader).only("number", "opened_at", "completed_at")
    }
    reads = Read.objects.filter(study=study, reader=reader).select_related("session")
    if cases is not None:
        reads = reads.filter(case_id__in=cases)
    facts = tuple(ReadFact(r.case_id, Arm(r.arm), r.session.number, r.started_at, r.submitted_at, r.locked)
                  for r in reads)
    return ReaderState(
        design=study.design_enum,
        washout=dt.timedelta(days=study.washout_days),
        plans=study_plans(study, enrolment, cases),
        sessions=sessions,
        reads=facts,
        study_open=study.status == ReaderStudy.Status.OPEN,
    )
