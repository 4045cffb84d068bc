"""Load a study's locked reads, the truth and the study model's AI results into :class:`StudyData`.

Only coordinator views call this: it joins reads with ``CaseTruth``. Cases are identified by their opaque study key;
readers by username. A coordinator's amendment replaces the answers it changed (the read itself stays as given).
"""
from __future__ import annotations

from reader_study.cases.models import CaseTruth
from reader_study.reports.records import AIRecord, ReadRecord, StudyData
from reader_study.studies.models import Amendment, Read, ReaderStudy, StudyCase
from reader_study.vocabulary import ORIGIN_SYSTEMS, TUMOUR_CLASSES


def _float_or_none(value) -> float | None:
    return None if value is None or value == "" else float(value)


def _amended_answers(read: Read, amendments: dict[int, Amendment]) -> tuple[dict, bool]:
    latest = amendments.get(read.pk)
    if latest is None or not isinstance(latest.after, dict):
        return dict(read.answers or {}), False
    return {**(read.answers or {}), **latest.after}, True


def _read_record(read: Read, key: str, truth: CaseTruth, group: str, answers: dict, amended: bool) -> ReadRecord:
    confidence = answers.get("class_confidence") or {}
    return ReadRecord(
        reader=read.reader.get_username(), reader_group=group, arm=read.arm, case=key,
        truth_class=truth.tumour_class, truth_origin=truth.origin or None,
        diagnosis=answers.get("diagnosis") or "", origin=answers.get("origin") or None,
        class_confidence={k: float(v) for k, v in confidence.items() if v is not None},
        diagnosis_confidence=_float_or_none(answers.get("diagnosis_confidence")),
        origin_confidence=_float_or_none(answers.get("origin_confidence")),
        started_at=read.started_at, submitted_at=read.submitted_at, active_seconds=read.active_seconds,
        ai_result=read.ai_result_id, ai_elements_shown=tuple(read.ai_elements_shown or ()), amended=amended,
        comment=answers.get("comment") or "",
    )


def _reader_group(user) -> str:
    profile = getattr(user, "reader_profile", None)
    return profile.experience if profile is not None else "unknown"


def collect_study_data(study: ReaderStudy) -> StudyData:
    """Return the locked reads, truth and AI output of ``study`` (truth is read here and nowhere else)."""
    keys = dict(StudyCase.objects.filter(study=study).values_list("case_id", "key"))
    truths = {t.case_id: t for t in CaseTruth.objects.filter(case_id__in=keys)}
    reads = (Read.objects.filter(study=study, locked=True, case_id__in=truths)
             .select_related("reader", "reader__reader_profile").order_by("reader__username", "arm", "case_id"))
    amendments: dict[int, Amendment] = {}
    for amendment in Amendment.objects.filter(read__study=study).order_by("at", "id"):
        amendments[amendment.read_id] = amendment
    records = []
    for read in reads:
        answers, amended = _amended_answers(read, amendments)
        records.append(_read_record(read, keys[read.case_id], truths[read.case_id], _reader_group(read.reader),
                                    answers, amended))
    return StudyData(
        study_id=study.pk, study_name=study.name, labels=tuple(c.value for c in TUMOUR_CLASSES),
        origin_labels=tuple(o.value for o in ORIGIN_SYSTEMS), reads=tuple(records),
        ai=tuple(_ai_records(study, keys, truths)), model_label=_model_label(study),
        cutoffs=_primary_cutoffs(study),
    )


def _model_label(study: ReaderStudy) -> str:
    model = study.model_version
    return f"{model.name} {model.version} ({model.label})" if model else ""


def _primary_cutoffs(study: ReaderStudy) -> dict[str, float] | None:
    model = study.model_version
    cutoffs = (model.cutoffs or {}).get("primary") if model else None
    return {k: float(v) for k, v in cutoffs.items()} if cutoffs else None


def _ai_records(study: ReaderStudy, keys: dict[int, str], truths: dict[int, CaseTruth]) -> list[AIRecord]:
    from inference.models import InferenceResult

    if study.model_version_id is None:
        return []
    results = InferenceResult.objects.filter(model_version_id=study.model_version_id, case_id__in=truths,
                                             status="done").exclude(primary_probabilities=None).order_by("case_id")
    return [AIRecord(case=keys[r.case_id], truth_class=truths[r.case_id].tumour_class,
                     truth_origin=truths[r.case_id].origin or None,
                     probabilities={k: float(v) for k, v in r.primary_probabilities.items()},
                     final_class=r.final_class, origin_probabilities=r.origin_probabilities,
                     final_origin=r.final_origin or None) for r in results]
