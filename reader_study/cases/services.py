"""Import cases: the one entry point used by the command, the Celery task and the web upload.

Slow work (reading, validating, decoding, copying) happens before the database
transaction, with progress written to the ImportJob; then all rows are created
in one transaction, staged folders are moved into place inside it and removed
again if anything fails. Any error therefore leaves the database and
MEDIA_ROOT as they were. Re-importing the same series is a no-op that the
report states.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from reader_study import clock
from reader_study.audit.services import record
from reader_study.dicom_import.errors import ImportFailed
from reader_study.dicom_import.manifest import read_manifest
from reader_study.dicom_import.plan import CasePlan, plan_import
from reader_study.dicom_import.report import ImportReport
from reader_study.dicom_import.scan import extract_zip, scan_folder
from reader_study.vocabulary import Phase

from . import storage
from .models import ImagingStudy, ImportJob, Series
from .rows import StagedCase, StagedSeries, create_case_rows
from .signals import cases_imported

Progress = Callable[[float, str], None]


def import_cases(
    path: str | Path,
    manifest_path: str | Path,
    *,
    deidentify: bool = False,
    masks_dir: str | Path | None = None,
    job: ImportJob | None = None,
    phase_overrides: dict[str, dict[Phase, str]] | None = None,
    actor: Any = None,
) -> ImportReport:
    """Import the cases of ``manifest_path`` from the folder or zip ``path``; see docs/import.md."""
    source = Path(path)
    if not source.exists():
        raise ImportFailed(source, "no such file or folder")
    manifest = read_manifest(Path(manifest_path))
    progress = job_progress(job)
    staging = storage.new_staging_dir()
    try:
        root = extract_zip(source, staging / "source") if source.is_file() else source
        scan = scan_folder(root)
        if not scan.dicom_files:
            raise ImportFailed(source, "no DICOM files found")
        plan = plan_import(scan, manifest, deidentify=deidentify, salt=deidentification_salt(),
                           overrides=phase_overrides, progress=progress)
        report = ImportReport(skipped_files=plan.skipped, deidentified=any(c.deidentify for c in plan.cases))
        for case in plan.cases:
            report.ignored_series.extend(case.ignored)
        new_cases = split_new_and_unchanged(plan.cases, report)
        staged = [
            stage_case(case, staging, Path(masks_dir) if masks_dir else None, progress, n, len(new_cases))
            for n, case in enumerate(new_cases)
        ]
        commit_cases(staged, staging, report, job=job, actor=actor)
    finally:
        storage.remove_staging_dir(staging)
    if progress:
        progress(1.0, "done")
    return report


def submit_import(
    source: str | Path,
    manifest_path: str | Path,
    *,
    user: Any = None,
    deidentify: bool = False,
    masks_dir: str | Path | None = None,
    phase_overrides: dict[str, dict[Phase, str]] | None = None,
) -> ImportJob:
    """Create an ImportJob and queue :func:`~reader_study.cases.tasks.run_import` once it is committed.

    The entry point for the web upload: the page polls ``ImportJob.progress`` and shows ``report``/``error``.
    """
    from .tasks import run_import

    options = {
        "deidentify": deidentify,
        "masks_dir": str(masks_dir) if masks_dir else None,
        "phase_overrides": {case: {phase.value: value for phase, value in phases.items()}
                            for case, phases in (phase_overrides or {}).items()},
    }
    with transaction.atomic():
        job = ImportJob.objects.create(created_at=clock.now(), created_by=user if getattr(user, "pk", None) else None,
                                       source=str(source), manifest=str(manifest_path), options=options)
        record("import_job.created", job, actor=user, after={"source": job.source, "options": options})
        transaction.on_commit(lambda: run_import.delay(job_id=job.pk))
    return job


def deidentification_salt() -> str:
    """Secret salt of the UID mapping: stable across imports so that a re-import is recognised."""
    secret = getattr(settings, "DEIDENTIFICATION_SALT", "") or settings.SECRET_KEY
    return hashlib.sha256(f"reader-study-deid:{secret}".encode()).hexdigest()


def job_progress(job: ImportJob | None) -> Progress | None:
    """A callback that stores progress on the job (outside the import transaction)."""
    if job is None:
        return None

    def report(fraction: float, message: str) -> None:
        job.progress = round(min(max(fraction, 0.0), 1.0), 3)
        job.progress_message = message[:255]
        ImportJob.objects.filter(pk=job.pk).update(progress=job.progress, progress_message=job.progress_message)

    return report


def split_new_and_unchanged(cases: list[CasePlan], report: ImportReport) -> list[CasePlan]:
    """Keep cases to import; record already-imported identical cases; refuse conflicting ones."""
    new_cases = []
    for case in cases:
        case_id = case.row.case_id
        existing = set(Series.objects.filter(study__case__case_id=case_id).values_list("series_instance_uid",
                                                                                      flat=True))
        if existing:
            if existing != case.final_series_uids:
                raise ImportFailed(case_id, "case already imported with different series; delete it before "
                                            "importing new images")
            report.unchanged_cases.append(case_id)
            continue
        clash = Series.objects.filter(series_instance_uid__in=case.final_series_uids).select_related(
            "study__case").first()
        if clash is not None:
            raise ImportFailed(case_id, f"series {clash.series_instance_uid} was already imported as the "
                                        f"{clash.phase} phase of case {clash.study.case.case_id}")
        other = ImagingStudy.objects.filter(study_instance_uid=case.final_study_uid).select_related("case").first()
        if other is not None:
            raise ImportFailed(case_id, f"study {case.final_study_uid} was already imported as case "
                                        f"{other.case.case_id}")
        new_cases.append(case)
    return new_cases


def stage_case(case: CasePlan, staging: Path, masks_dir: Path | None, progress: Progress | None,
               number: int, total: int) -> StagedCase:
    """Write one case's slices, metadata and masks into staging."""
    folder = storage.case_storage_name(case.row.case_id)
    deid = (case.row.case_id, deidentification_salt()) if case.deidentify else None
    staged = StagedCase(plan=case, folder=folder)
    for phase, phase_plan in case.phases.items():
        series_dir = f"{folder}/{phase.value}"
        split_uid = phase_plan.candidate.series_uid if phase_plan.candidate.split_label else None
        instances = [
            storage.stage_instance(record, staging / series_dir / f"{index:04d}.dcm", staging,
                                   series_uid=split_uid, deidentify_as=deid)
            for index, record in enumerate(phase_plan.geometry.slices)
        ]
        metadata = storage.write_series_metadata(staging / series_dir, instances)
        staged.series[phase] = StagedSeries(phase_plan, series_dir, instances,
                                            metadata.relative_to(staging).as_posix())
        if progress:
            done = (number + (list(case.phases).index(phase) + 1) / len(case.phases)) / max(total, 1)
            progress(0.5 + 0.45 * done, f"stored {case.row.case_id} {phase.value}")
    storage.stored_frames_cache_clear()
    staged.masks = stage_masks(case, staged, staging, masks_dir)
    return staged


def stage_masks(case: CasePlan, staged: StagedCase, staging: Path, masks_dir: Path | None) -> dict[Phase, str]:
    """Copy validated reference masks (``<phase>.nii.gz``) of a case into staging."""
    from reader_study.dicom_import.masks import geometry_affine, read_mask

    folder = masks_dir / case.row.case_id if masks_dir else (case.folder / "masks" if case.folder else None)
    masks: dict[Phase, str] = {}
    if folder is None or not folder.is_dir():
        return masks
    for phase, phase_plan in case.phases.items():
        source = folder / f"{phase.value}.nii.gz"
        if not source.is_file():
            continue
        geometry = phase_plan.geometry
        shape = (len(geometry.slices), geometry.rows, geometry.columns)
        read_mask(source, geometry_affine(geometry), shape, f"{case.row.case_id}/masks/{source.name}")
        target = staging / staged.folder / "masks" / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        masks[phase] = f"{staged.folder}/masks/{source.name}"
    return masks


def commit_cases(staged: list[StagedCase], staging: Path, report: ImportReport, *, job: ImportJob | None,
                 actor: Any) -> None:
    """Create all rows in one transaction and move the staged folders into place; undo the move on error."""
    moved: list[Path] = []
    cases_dir = storage.media_root() / storage.CASES_FOLDER
    cases_dir_existed = cases_dir.exists()
    try:
        with transaction.atomic():
            for case in staged:
                row = create_case_rows(case, job=job, actor=actor)
                report.case_pks.append(row.pk)
                report.imported_cases.append(case.plan.row.case_id)
                report.instances += sum(len(s.instances) for s in case.series.values())
                report.phases[case.plan.row.case_id] = {
                    phase.value: f"{s.plan.candidate.name} [{s.plan.source}]" for phase, s in case.series.items()
                }
            for case in staged:
                moved.append(storage.move_into_place(staging / case.folder, case.folder))
            case_pks = list(report.case_pks)
            if case_pks:
                transaction.on_commit(lambda: cases_imported.send(sender=ImportJob, case_ids=case_pks))
    except IntegrityError as exc:
        _undo(moved, cases_dir, cases_dir_existed)
        raise ImportFailed(", ".join(c.plan.row.case_id for c in staged),
                           f"conflicts with data imported at the same time ({exc})") from exc
    except BaseException:
        _undo(moved, cases_dir, cases_dir_existed)
        raise


def _undo(moved: list[Path], cases_dir: Path, cases_dir_existed: bool) -> None:
    for path in moved:
        storage.remove_tree(path)
    if not cases_dir_existed and cases_dir.is_dir() and not any(cases_dir.iterdir()):
        cases_dir.rmdir()

