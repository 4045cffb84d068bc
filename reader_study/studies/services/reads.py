"""Reads: start, active-time heartbeat, submit (locks), amend, and the gated AI payload."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from reader_study import clock
from reader_study.audit.services import record
from reader_study.cases.models import Case
from reader_study.protocol import Arm, PlannedItem, ProtocolError, Violation, may_show_ai, read_violations

from ..answers import validate_answers
from ..models import AIElement, Amendment, Enrolment, Read, ReaderStudy, ReadingSession
from .facts import reader_state
from .sessions import get_enrolment
from .studies import check_can_coordinate

HEARTBEAT_MAX_SECONDS = 60.0  # one beat never adds more than this, and never more than the wall time since the last


def check_owns_read(user: Any, read: Read) -> None:
    """Readers act only on their own reads."""
    if read.reader_id != getattr(user, "pk", None):
        raise PermissionDenied("This read belongs to another reader.")


def check_can_start_read(study: ReaderStudy, reader: Any, case: Case, arm: str) -> None:
    """Raise ProtocolError with every reason the read may not start now."""
    enrolment = get_enrolment(study, reader)
    violations = read_violations(reader_state(study, reader, enrolment), PlannedItem(case.pk, Arm(arm)), clock.now())
    if violations:
        raise ProtocolError(violations)


@transaction.atomic
def do_start_read(study: ReaderStudy, reader: Any, case: Case, arm: str) -> Read:
    """Start a read, or return the existing one (resume). Audited."""
    get_enrolment(study, reader)
    Enrolment.objects.select_for_update().filter(study=study, reader=reader).first()  # one start at a time
    existing = Read.objects.filter(study=study, reader=reader, case=case, arm=arm).first()
    if existing is not None:
        return existing
    state = reader_state(study, reader)
    item = PlannedItem(case.pk, Arm(arm))
    violations = read_violations(state, item, clock.now())
    if violations:
        raise ProtocolError(violations)
    session = ReadingSession.objects.get(study=study, reader=reader, number=state.session_of(item))
    read = Read.objects.create(study=study, reader=reader, case=case, session=session, arm=arm, started_at=clock.now())
    record("read.started", read, actor=reader, study_id=study.pk, after={"case": case.pk, "arm": arm})
    return read


@transaction.atomic
def do_record_heartbeat(reader: Any, read: Read, seconds: float) -> Read:
    """Add visible, non-idle reading time reported by the page (bounded by the server's own clock).

    Not audited per beat (it would flood the trail); the total is audited at submission.
    """
    check_owns_read(reader, read)
    read = Read.objects.select_for_update().get(pk=read.pk)
    if read.locked:
        return read
    now = clock.now()
    since = (now - (read.last_heartbeat_at or read.started_at)).total_seconds()
    added = max(0.0, min(float(seconds), HEARTBEAT_MAX_SECONDS, since + 1.0))
    read.active_seconds += added
    read.last_heartbeat_at = now
    read.save(update_fields=["active_seconds", "last_heartbeat_at"])
    return read


def _still_allowed(read: Read) -> None:
    """A read may be submitted only while the study is open (reads cannot be slipped in later)."""
    if read.study.status != ReaderStudy.Status.OPEN:
        raise ProtocolError([Violation("study_not_open", "The study is not open for reading; nothing was saved.")])


@transaction.atomic
def do_submit_read(reader: Any, read: Read, answers: dict) -> Read:
    """Validate and lock a read for good. Submitting the same answers again is harmless. Audited."""
    check_owns_read(reader, read)
    read = Read.objects.select_for_update().select_related("study").get(pk=read.pk)
    cleaned = validate_answers(answers, confidence_scale=read.study.confidence_scale)
    if read.locked:
        if cleaned == read.answers:
            return read
        raise ProtocolError([Violation(
            "read_locked", "This read was already submitted and is locked; it cannot change. "
            "Ask a coordinator to record an amendment if it holds an error.",
        )])
    _still_allowed(read)
    read.answers, read.locked, read.submitted_at = cleaned, True, clock.now()
    read.save(update_fields=["answers", "locked", "submitted_at"])
    record("read.submitted", read, actor=reader, study_id=read.study_id,
           after={"answers": cleaned, "active_seconds": read.active_seconds, "arm": read.arm})
    _complete_session_if_done(read.session, reader)
    return read


def _complete_session_if_done(session: ReadingSession, actor: Any) -> None:
    locked = Read.objects.filter(session=session, locked=True).count()
    if locked == len(session.case_order) and session.completed_at is None:
        session.completed_at = clock.now()
        session.save(update_fields=["completed_at"])
        record("session.completed", session, actor=actor, study_id=session.study_id,
               after={"number": session.number, "reads": locked})


def effective_answers(read: Read) -> dict:
    """Return the answers after the latest amendment (the read itself never changes)."""
    latest = read.amendments.order_by("-at", "-id").first()
    return latest.after if latest else read.answers


@transaction.atomic
def do_amend_read(actor: Any, read: Read, answers: dict, reason: str) -> Amendment:
    """Record a coordinator's correction of a locked read with a reason. Audited."""
    check_can_coordinate(actor, read.study)
    if not read.locked:
        raise ValidationError("Only submitted (locked) reads can be amended.", code="read_not_locked")
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Give the reason for the amendment."]}, code="reason_required")
    cleaned = validate_answers(answers, confidence_scale=read.study.confidence_scale)
    before = effective_answers(read)
    amendment = Amendment.objects.create(read=read, by=actor, at=clock.now(), reason=reason.strip(),
                                         before=before, after=cleaned)
    record("read.amended", read, actor=actor, study_id=read.study_id, before=before, after=cleaned, message=reason)
    return amendment


def ai_result_for(study: ReaderStudy, case: Case):
    """Return the finished InferenceResult of the study's model for ``case``, or None."""
    from inference.models import InferenceResult

    if study.model_version_id is None:
        return None
    return InferenceResult.objects.filter(
        case=case, model_version_id=study.model_version_id, status=InferenceResult.Status.DONE
    ).select_related("model_version").first()


def check_ai_allowed(reader: Any, read: Read) -> None:
    """Raise unless the design lets this reader see AI output for this aided read now."""
    check_owns_read(reader, read)
    if read.arm != Arm.AIDED:
        raise PermissionDenied("AI output is never shown in an unaided read.")
    if not may_show_ai(reader_state(read.study, reader, cases=[read.case_id]), read.case_id):
        raise PermissionDenied("AI output for this case opens after your unaided read is locked and the design allows.")


def ai_payload(study: ReaderStudy, result: Any) -> dict:
    """Return the study's allowed elements of one result (no truth, no files: overlays go through the viewer)."""
    elements = [e for e in study.ai_elements if e in AIElement.values]
    payload: dict[str, Any] = {"elements": elements, "available": result is not None}
    if result is None:
        return payload
    version = result.model_version
    payload.update(result_id=result.pk, model={"name": version.name, "version": version.version,
                                                 "label": version.label})
    if AIElement.PROBABILITIES in elements:
        payload["probabilities"] = result.primary_probabilities
    if AIElement.DOMINANT_DIAGNOSIS in elements:
        payload["dominant_diagnosis"] = result.final_class
    if AIElement.ORIGIN_PROBABILITIES in elements:
        payload["origin_probabilities"] = result.origin_probabilities
        payload["dominant_origin"] = result.final_origin or None
    payload["overlays"] = {"heatmaps": AIElement.HEATMAPS in elements, "masks": AIElement.MASKS in elements}
    return payload


@transaction.atomic
def do_show_ai_for_read(reader: Any, read: Read) -> dict:
    """Return the AI payload for an aided read and record which result and elements were shown. Audited once."""
    read = Read.objects.select_for_update().select_related("study").get(pk=read.pk)
    check_ai_allowed(reader, read)
    result = ai_result_for(read.study, read.case)
    payload = ai_payload(read.study, result)
    if result is not None and not read.locked and read.ai_result_id != result.pk:
        read.ai_result, read.ai_elements_shown = result, payload["elements"]
        read.save(update_fields=["ai_result", "ai_elements_shown"])
        record("read.ai_shown", read, actor=reader, study_id=read.study_id,
               after={"ai_result": result.pk, "elements": payload["elements"]})
    return payload


