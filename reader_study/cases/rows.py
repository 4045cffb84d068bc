"""Database rows of one imported case, created inside the import transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reader_study import clock
from reader_study.audit.services import record
from reader_study.dicom_import.plan import CasePlan, PhasePlan
from reader_study.vocabulary import Phase

from .models import Case, CaseTruth, ClinicalNote, ImagingStudy, ImportJob, Instance, ReferenceMask, Series
from .storage import StoredInstance


@dataclass
class StagedSeries:
    plan: PhasePlan
    folder: str
    instances: list[StoredInstance]
    metadata_path: str


@dataclass
class StagedCase:
    plan: CasePlan
    folder: str
    series: dict[Phase, StagedSeries] = field(default_factory=dict)
    masks: dict[Phase, str] = field(default_factory=dict)


def create_case_rows(staged: StagedCase, *, job: ImportJob | None, actor: Any) -> Case:
    """Create the case, its truth, notes, study, series, instances and masks, plus an audit event."""
    row = staged.plan.row
    case = Case.objects.create(case_id=row.case_id, age=row.age, sex=staged.plan.sex, cohort=row.cohort.value,
                               imported_at=clock.now(), import_job=job)
    CaseTruth.objects.create(case=case, tumour_class=row.tumour_class.value,
                             origin=row.origin.value if row.origin else "", pathology_type=row.pathology_type,
                             source=row.truth_source)
    for kind, text in row.notes.items():
        values = row.lab_values if kind == ClinicalNote.Kind.LABORATORY else {}
        ClinicalNote.objects.create(case=case, kind=kind, text=text, values=values)
    if row.lab_values and ClinicalNote.Kind.LABORATORY not in row.notes:
        ClinicalNote.objects.create(case=case, kind=ClinicalNote.Kind.LABORATORY, values=row.lab_values)
    first = next(iter(staged.series.values())).instances[0].metadata
    study = ImagingStudy.objects.create(
        case=case, study_instance_uid=_json_value(first, "0020000D"),
        frame_of_reference_uid=_json_value(first, "00200052"), description=_json_value(first, "00081030")[:255],
        storage_dir=staged.folder,
    )
    for phase, series in staged.series.items():
        _create_series(study, phase, series)
    for phase, path in staged.masks.items():
        ReferenceMask.objects.create(case=case, phase=phase.value, path=path)
    record("case.imported", case, actor=actor, after={
        "case_id": case.case_id, "study_instance_uid": study.study_instance_uid,
        "series": {p.value: s.plan.final_series_uid for p, s in staged.series.items()},
        "masks": sorted(p.value for p in staged.masks), "import_job": job.pk if job else None,
        "deidentified": staged.plan.deidentify,
    }, message=f"Imported case {case.case_id} ({sum(len(s.instances) for s in staged.series.values())} slices)")
    return case


def _create_series(study: ImagingStudy, phase: Phase, staged: StagedSeries) -> Series:
    plan = staged.plan
    geometry, candidate = plan.geometry, plan.candidate
    series = Series.objects.create(
        study=study, phase=phase.value, series_instance_uid=plan.final_series_uid,
        series_number=candidate.series_number, series_description=candidate.description[:255],
        phase_source=plan.source[:32], rows=geometry.rows, columns=geometry.columns,
        pixel_spacing=list(geometry.pixel_spacing), slice_thickness=candidate.slice_thickness,
        slice_spacing=geometry.slice_spacing, orientation=list(geometry.orientation), origin=list(geometry.origin),
        slice_count=len(geometry.slices), acquisition_time=candidate.first.acquisition_time[:32],
        contrast_agent=candidate.contrast_agent[:128], storage_dir=staged.folder, metadata_json=staged.metadata_path,
    )
    Instance.objects.bulk_create([
        Instance(
            series=series, sop_instance_uid=stored.sop_instance_uid, index=index, position=position,
            image_position=list(source.position), instance_number=source.instance_number,
            path=stored.relative_path, size=stored.size, sha256=stored.sha256,
            transfer_syntax_uid=stored.transfer_syntax_uid,
            pixel_offset=stored.pixel_location[0] if stored.pixel_location else None,
            pixel_length=stored.pixel_location[1] if stored.pixel_location else None,
        )
        for index, (stored, source, position) in enumerate(
            zip(staged.instances, geometry.slices, geometry.positions)
        )
    ])
    return series


def _json_value(metadata: dict, tag: str) -> str:
    value = metadata.get(tag, {}).get("Value") or [""]
    return str(value[0])
