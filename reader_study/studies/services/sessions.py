"""Reading sessions: status per reader, opening (seeded order, config lock), worklists and progress."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from reader_study import clock
from reader_study.audit.services import record
from reader_study.protocol import ProtocolError, SessionStatus, derive_seed, order_session, session_statuses
from reader_study.protocol.washout import session_violations

from ..models import Enrolment, Read, ReaderStudy, ReadingSession
from .facts import reader_state


def get_enrolment(study: ReaderStudy, reader: Any) -> Enrolment:
    """Return the reader's enrolment or raise PermissionDenied."""
    enrolment = Enrolment.objects.filter(study=study, reader_id=getattr(reader, "pk", None)).first()
    if enrolment is None:
        raise PermissionDenied("You are not enrolled in this study.")
    return enrolment


def reader_sessions(study: ReaderStudy, reader: Any) -> list[SessionStatus]:
    """Return every planned session of ``reader`` with its state and, if waiting, when it opens."""
    enrolment = get_enrolment(study, reader)
    return session_statuses(reader_state(study, reader, enrolment), clock.now())


def check_can_open_session(study: ReaderStudy, reader: Any, number: int) -> None:
    """Raise ProtocolError (all reasons) unless session ``number`` may open now."""
    enrolment = get_enrolment(study, reader)
    violations = session_violations(reader_state(study, reader, enrolment), number, clock.now())
    if violations:
        raise ProtocolError(violations)


@transaction.atomic
def do_open_session(study: ReaderStudy, reader: Any, number: int) -> ReadingSession:
    """Open a session (or return it when already open: resume keeps the stored order). Audited.

    The first opened session locks the study configuration.
    """
    enrolment = Enrolment.objects.select_for_update().filter(study=study, reader=reader).first()
    if enrolment is None:
        raise PermissionDenied("You are not enrolled in this study.")
    existing = ReadingSession.objects.filter(study=study, reader=reader, number=number).first()
    if existing is not None:
        return existing
    state = reader_state(study, reader, enrolment)
    now = clock.now()
    violations = session_violations(state, number, now)
    if violations:
        raise ProtocolError(violations)
    plan = state.plan(number)
    seed = derive_seed(study.pk, reader.pk, number)
    order = [{"case": item.case, "arm": item.arm.value} for item in order_session(plan, seed)]
    session = ReadingSession.objects.create(
        study=study, reader=reader, number=number, assignment=dict(plan.assignment), seed=seed,
        case_order=order, opened_at=now,
    )
    record("session.opened", session, actor=reader, study_id=study.pk,
           after={"number": number, "seed": seed, "assignment": dict(plan.assignment), "reads": len(order)})
    locked = ReaderStudy.objects.filter(pk=study.pk, config_locked_at__isnull=True).update(config_locked_at=now)
    if locked:
        record("study.config_locked", study, actor=reader, study_id=study.pk,
               after={"config_locked_at": now.isoformat()})
    return session


@dataclass(frozen=True)
class WorklistItem:
    position: int
    case_id: int
    case_key: str
    arm: str
    read_id: int | None
    status: str  # "to_do", "started" or "submitted"


def worklist(session: ReadingSession) -> list[WorklistItem]:
    """Return the session's reads in the stored order with their status."""
    keys = dict(session.study.study_cases.values_list("case_id", "key"))
    reads = {(r.case_id, r.arm): r for r in Read.objects.filter(session=session)}
    items = []
    for position, entry in enumerate(session.case_order, start=1):
        read = reads.get((entry["case"], entry["arm"]))
        status = "to_do" if read is None else ("submitted" if read.locked else "started")
        items.append(WorklistItem(position, entry["case"], keys.get(entry["case"], ""), entry["arm"],
                                  read.pk if read else None, status))
    return items


def study_progress(actor: Any, study: ReaderStudy) -> list[dict]:
    """Return per reader and session: state, locked / total reads, dates (coordinators only)."""
    from .studies import check_can_coordinate

    check_can_coordinate(actor, study)
    now = clock.now()
    opened = {(s.reader_id, s.number): s for s in ReadingSession.objects.filter(study=study)}
    rows = []
    for enrolment in study.enrolments.select_related("reader", "reader__reader_profile"):
        profile = getattr(enrolment.reader, "reader_profile", None)
        sessions = []
        for status in session_statuses(reader_state(study, enrolment.reader, enrolment), now):
            row = opened.get((enrolment.reader_id, status.number))
            sessions.append({
                "number": status.number, "state": status.state.value, "locked": status.locked, "total": status.total,
                "opened_at": row.opened_at if row else None, "completed_at": row.completed_at if row else None,
                "opens_at": status.opens_at,
            })
        rows.append({
            "reader": enrolment.reader.username, "reader_id": enrolment.reader_id,
            "experience": profile.experience if profile else "", "crossover_group": enrolment.crossover_group,
            "sessions": sessions,
        })
    return rows
