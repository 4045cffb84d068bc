"""Consensus reads for the challenging-case mode (paper): a group gives one joint answer per case,
unaided first and then aided, with the clinical notes shown when the study allows them.

There is no washout between the two arms: the paper's challenging-case panel
revised its joint answer in the same sitting, as in the sequential design.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from reader_study import clock
from reader_study.audit.services import record
from reader_study.cases.models import Case
from reader_study.protocol import Arm, ProtocolError, Violation

from ..access import is_study_coordinator
from ..answers import validate_answers
from ..models import ConsensusRead, Enrolment, ReaderStudy
from .reads import ai_payload, ai_result_for


def check_can_submit_consensus(actor: Any, study: ReaderStudy, readers: Sequence[Any], case: Case, arm: str) -> None:
    """Raise unless ``actor`` may record this group's answer now (coordinator or a member of the group)."""
    if not (is_study_coordinator(actor, study) or any(r.pk == actor.pk for r in readers)):
        raise PermissionDenied("Only a coordinator or a member of the group can record its consensus.")
    enrolled = set(Enrolment.objects.filter(study=study).values_list("reader_id", flat=True))
    if len(readers) < 2 or any(r.pk not in enrolled for r in readers):
        raise ValidationError("A consensus group needs two or more readers enrolled in the study.",
                              code="consensus_group_invalid")
    if not study.study_cases.filter(case=case).exists():
        raise PermissionDenied("This case is not part of the study.")
    violations = []
    if study.status != ReaderStudy.Status.OPEN:
        violations.append(Violation("study_not_open", "The study is not open for reading."))
    if arm == Arm.AIDED and not ConsensusRead.objects.filter(
        study=study, group_name=readers_group_name(readers), case=case, arm=Arm.UNAIDED, locked=True
    ).exists():
        violations.append(Violation("unaided_read_not_locked",
                                    "Record the group's unaided answer first; the AI output opens after it."))
    if violations:
        raise ProtocolError(violations)


def readers_group_name(readers: Sequence[Any]) -> str:
    """A stable group name from the members' usernames (order does not matter)."""
    return "+".join(sorted(r.username for r in readers))[:100]


@transaction.atomic
def do_submit_consensus(actor: Any, study: ReaderStudy, *, readers: Sequence[Any], case: Case, arm: str,
                        answers: dict) -> ConsensusRead:
    """Record and lock a group's joint answer; resubmitting the same answers is harmless. Audited."""
    check_can_submit_consensus(actor, study, readers, case, arm)
    cleaned = validate_answers(answers, confidence_scale=study.confidence_scale)
    group = readers_group_name(readers)
    existing = ConsensusRead.objects.select_for_update().filter(study=study, group_name=group, case=case, arm=arm)
    if (current := existing.first()) is not None:
        if current.answers == cleaned:
            return current
        raise ProtocolError([Violation("read_locked", "This consensus answer is locked and cannot change.")])
    now = clock.now()
    result = ai_result_for(study, case) if arm == Arm.AIDED else None
    consensus = ConsensusRead.objects.create(
        study=study, group_name=group, case=case, arm=arm, answers=cleaned, recorded_by=actor, started_at=now,
        submitted_at=now, locked=True, clinical_notes_shown=study.show_clinical_notes, ai_result=result,
        ai_elements_shown=list(study.ai_elements) if result else [],
    )
    consensus.readers.set(readers)
    record("consensus.submitted", consensus, actor=actor, study_id=study.pk,
           after={"group": group, "case": case.pk, "arm": arm, "answers": cleaned})
    return consensus


def consensus_ai_payload(actor: Any, study: ReaderStudy, *, readers: Sequence[Any], case: Case) -> dict:
    """Return the AI output for the group's aided answer (only after its unaided answer is locked)."""
    check_can_submit_consensus(actor, study, readers, case, Arm.AIDED)
    return ai_payload(study, ai_result_for(study, case))
