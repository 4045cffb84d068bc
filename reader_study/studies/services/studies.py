"""Create, configure, open and close studies; enrol readers. Every write is atomic and audited."""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from reader_study import clock
from reader_study.audit.services import record
from reader_study.cases.models import Case, CaseTruth
from reader_study.protocol import Design, assign_blocks, crossover_group, derive_seed

from ..access import is_coordinator, is_study_coordinator
from ..models import AIElement, Enrolment, ReaderProfile, ReaderStudy, StudyCase

DEFAULT_WASHOUT_DAYS = 30
CONFIG_FIELDS = (
    "name", "description", "design", "washout_days", "is_pilot", "ai_elements", "show_clinical_notes",
    "confidence_scale", "model_version",
)
TEXT_FIELDS = ("name", "description")  # may change after reading starts: they do not affect the design


def studies_for(user: Any) -> QuerySet[ReaderStudy]:
    """Return the studies ``user`` may see: coordinated ones, or enrolled ones for readers."""
    if not getattr(user, "is_authenticated", False):
        return ReaderStudy.objects.none()
    if user.is_superuser:
        return ReaderStudy.objects.all()
    return ReaderStudy.objects.filter(pk__in=_visible_ids(user))


def _visible_ids(user: Any) -> QuerySet:
    # No ORDER BY inside the union: SQLite (the demo's database) refuses it in compound subqueries.
    coordinated = ReaderStudy.objects.filter(coordinators=user).order_by().values("pk")
    enrolled = ReaderStudy.objects.filter(enrolments__reader=user).exclude(status="draft").order_by().values("pk")
    return coordinated.union(enrolled)


def check_can_create_study(actor: Any) -> None:
    if not is_coordinator(actor):
        raise PermissionDenied("Only coordinators can create reader studies.")


def check_can_coordinate(actor: Any, study: ReaderStudy) -> None:
    """Raise PermissionDenied unless ``actor`` coordinates ``study``."""
    if not is_study_coordinator(actor, study):
        raise PermissionDenied("Only a coordinator of this study can do this.")


def _config_snapshot(study: ReaderStudy) -> dict:
    return {
        "name": study.name, "description": study.description, "design": study.design,
        "washout_days": study.washout_days, "is_pilot": study.is_pilot, "ai_elements": list(study.ai_elements),
        "show_clinical_notes": study.show_clinical_notes, "confidence_scale": study.confidence_scale,
        "model_version": study.model_version_id, "status": study.status,
    }


def check_configuration(study: ReaderStudy, changes: dict) -> None:
    """Validate a configuration change; all problems are raised together."""
    errors: dict[str, list[ValidationError]] = {}
    unknown = set(changes) - set(CONFIG_FIELDS)
    if unknown:
        errors["__all__"] = [ValidationError(f"Unknown setting(s): {', '.join(sorted(unknown))}.", code="unknown")]
    if study.is_locked and set(changes) - set(TEXT_FIELDS):
        fixed = ", ".join(sorted(set(changes) - set(TEXT_FIELDS)))
        errors.setdefault("__all__", []).append(ValidationError(
            f"Reading has started, so the design is fixed: {fixed} cannot change. Create a new study instead.",
            code="config_locked",
        ))
    if "design" in changes and changes["design"] not in set(Design):
        errors["design"] = [ValidationError(f"Unknown design {changes['design']!r}.", code="unknown_design")]
    bad = [e for e in changes.get("ai_elements", []) if e not in set(AIElement.values)]
    if bad:
        errors["ai_elements"] = [ValidationError(f"Unknown AI element(s): {', '.join(map(str, bad))}.",
                                                 code="unknown_ai_element")]
    washout = changes.get("washout_days", study.washout_days)
    pilot = changes.get("is_pilot", study.is_pilot)
    if not isinstance(washout, int) or washout < 0:
        errors["washout_days"] = [ValidationError("The washout is a whole number of days, 0 or more.",
                                                  code="washout_invalid")]
    elif washout < DEFAULT_WASHOUT_DAYS and not pilot:
        errors["washout_days"] = [ValidationError(
            f"A washout of {washout} days is shorter than {DEFAULT_WASHOUT_DAYS}; only a pilot study may shorten "
            "it. Mark the study as a pilot or keep the washout.", code="washout_too_short",
        )]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_create_study(actor: Any, *, name: str, cases: Iterable[Case] = (), **config: Any) -> ReaderStudy:
    """Create a draft study; the creator becomes a coordinator. Audited."""
    check_can_create_study(actor)
    cases = list(cases)
    study = ReaderStudy(name=name, created_by=actor, created_at=clock.now())
    check_configuration(study, {"name": name, **config})
    for field, value in config.items():
        setattr(study, field, value)
    study.full_clean(exclude=["created_by"])
    study.save()
    study.coordinators.add(actor)
    _replace_cases(study, cases)
    record("study.created", study, actor=actor, study_id=study.pk,
           after={**_config_snapshot(study), "cases": len(cases)})
    if study.washout_days < DEFAULT_WASHOUT_DAYS:
        record("study.washout_shortened", study, actor=actor, study_id=study.pk,
               before={"washout_days": DEFAULT_WASHOUT_DAYS}, after={"washout_days": study.washout_days},
               message="pilot study")
    return study


@transaction.atomic
def do_configure_study(actor: Any, study: ReaderStudy, *, reason: str = "", **changes: Any) -> ReaderStudy:
    """Change settings; refused once reading started (except name and description). Audited.

    Shortening the washout below the default is allowed only for a pilot study
    before reading starts and is recorded as its own audit event with ``reason``.
    """
    check_can_coordinate(actor, study)
    study = ReaderStudy.objects.select_for_update().get(pk=study.pk)
    check_configuration(study, changes)
    before = _config_snapshot(study)
    for field, value in changes.items():
        setattr(study, field, value)
    study.full_clean(exclude=["created_by"])
    study.save()
    after = _config_snapshot(study)
    record("study.configured", study, actor=actor, study_id=study.pk, before=before, after=after, message=reason)
    if after["washout_days"] < before["washout_days"] and after["washout_days"] < DEFAULT_WASHOUT_DAYS:
        record("study.washout_shortened", study, actor=actor, study_id=study.pk,
               before={"washout_days": before["washout_days"]}, after={"washout_days": after["washout_days"]},
               message=reason or "pilot study")
    return study


def _new_key(taken: set[str]) -> str:
    while True:
        key = "C" + secrets.token_hex(3).upper()
        if key not in taken:
            taken.add(key)
            return key


def _replace_cases(study: ReaderStudy, cases: list[Case]) -> None:
    wanted = {c.pk for c in cases}
    study.study_cases.exclude(case_id__in=wanted).delete()
    existing = set(study.study_cases.values_list("case_id", flat=True))
    taken = set(study.study_cases.values_list("key", flat=True))
    StudyCase.objects.bulk_create(
        StudyCase(study=study, case_id=pk, key=_new_key(taken)) for pk in sorted(wanted - existing)
    )


@transaction.atomic
def do_set_cases(actor: Any, study: ReaderStudy, cases: Iterable[Case]) -> ReaderStudy:
    """Replace the study's case list (draft studies only, before reading starts). Audited."""
    check_can_coordinate(actor, study)
    study = ReaderStudy.objects.select_for_update().get(pk=study.pk)
    if study.is_locked or study.status != ReaderStudy.Status.DRAFT:
        raise ValidationError("Cases can change only while the study is a draft.", code="config_locked")
    before = sorted(study.study_cases.values_list("case_id", flat=True))
    _replace_cases(study, list(cases))
    after = sorted(study.study_cases.values_list("case_id", flat=True))
    record("study.cases_set", study, actor=actor, study_id=study.pk, before={"cases": before}, after={"cases": after})
    return study


def _assign_crossover_blocks(study: ReaderStudy) -> None:
    """Split cases into blocks balanced by tumour class (truth stays server-side; only A/B is stored)."""
    case_ids = list(study.study_cases.values_list("case_id", flat=True))
    strata = dict(CaseTruth.objects.filter(case_id__in=case_ids).values_list("case_id", "tumour_class"))
    blocks = assign_blocks(case_ids, seed=derive_seed(study.pk, 0, 0, salt="crossover-blocks-v1"), strata=strata)
    for study_case in study.study_cases.all():
        study_case.block = blocks[study_case.case_id].value
        study_case.save(update_fields=["block"])


@transaction.atomic
def do_open_study(actor: Any, study: ReaderStudy) -> ReaderStudy:
    """Open a draft study for reading (needs cases; assigns crossover blocks). Audited."""
    check_can_coordinate(actor, study)
    study = ReaderStudy.objects.select_for_update().get(pk=study.pk)
    if study.status != ReaderStudy.Status.DRAFT:
        raise ValidationError(f"Only a draft study can be opened; this one is {study.status}.", code="not_draft")
    if not study.study_cases.exists():
        raise ValidationError("Add cases before opening the study.", code="no_cases")
    if study.design == Design.CROSSOVER:
        _assign_crossover_blocks(study)
    study.status = ReaderStudy.Status.OPEN
    study.save(update_fields=["status"])
    record("study.opened", study, actor=actor, study_id=study.pk, before={"status": "draft"}, after={"status": "open"})
    return study


@transaction.atomic
def do_close_study(actor: Any, study: ReaderStudy) -> ReaderStudy:
    """Close an open study: no more reads. Audited."""
    check_can_coordinate(actor, study)
    study = ReaderStudy.objects.select_for_update().get(pk=study.pk)
    before = study.status
    study.status = ReaderStudy.Status.CLOSED
    study.save(update_fields=["status"])
    record("study.closed", study, actor=actor, study_id=study.pk, before={"status": before}, after={"status": "closed"})
    return study


@transaction.atomic
def do_add_coordinator(actor: Any, study: ReaderStudy, user: Any) -> None:
    """Make another coordinator (staff) a coordinator of ``study``. Audited."""
    check_can_coordinate(actor, study)
    if not is_coordinator(user):
        raise ValidationError(f"{user} is not a coordinator account.", code="not_coordinator")
    study.coordinators.add(user)
    record("study.coordinator_added", study, actor=actor, study_id=study.pk, after={"user": user.username})


@transaction.atomic
def do_enrol_reader(actor: Any, study: ReaderStudy, reader: Any) -> Enrolment:
    """Enrol a reader (not a coordinator of the study); readers alternate crossover groups. Audited."""
    check_can_coordinate(actor, study)
    study = ReaderStudy.objects.select_for_update().get(pk=study.pk)
    if study.status == ReaderStudy.Status.CLOSED:
        raise ValidationError("The study is closed.", code="study_closed")
    if study.coordinators.filter(pk=reader.pk).exists() or is_coordinator(reader):
        raise ValidationError(
            f"{reader} is a coordinator account (it sees AI output and truth) and cannot read; use a reader account.",
            code="coordinator_reader",
        )
    existing = Enrolment.objects.filter(study=study, reader=reader).first()
    if existing:
        return existing
    group = crossover_group(study.enrolments.count())
    enrolment = Enrolment.objects.create(study=study, reader=reader, enrolled_at=clock.now(), crossover_group=group)
    record("reader.enrolled", enrolment, actor=actor, study_id=study.pk,
           after={"reader": reader.username, "crossover_group": group})
    return enrolment


@transaction.atomic
def do_set_reader_profile(actor: Any, user: Any, *, experience: str, years_of_experience: int = 0) -> ReaderProfile:
    """Create or update a reader's experience stratum (coordinators only). Audited."""
    if not is_coordinator(actor):
        raise PermissionDenied("Only coordinators can set reader profiles.")
    profile, _ = ReaderProfile.objects.get_or_create(user=user, defaults={"experience": experience})
    before = {"experience": profile.experience, "years_of_experience": profile.years_of_experience}
    profile.experience, profile.years_of_experience = experience, years_of_experience
    profile.full_clean()
    profile.save()
    record("reader.profile_set", profile, actor=actor, before=before,
           after={"experience": experience, "years_of_experience": years_of_experience})
    return profile
