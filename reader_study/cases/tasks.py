"""Celery task of the importer (queue ``default``): runs an ImportJob and records its outcome."""
from __future__ import annotations

import logging

from django.db import transaction

from reader_study import clock
from reader_study.audit.services import record
from reader_study.celery import app
from reader_study.dicom_import.errors import ImportFailed
from reader_study.vocabulary import Phase

from .models import ImportJob
from .services import import_cases

logger = logging.getLogger(__name__)


@app.task(acks_late=True)  # routed to the default queue (CELERY_TASK_DEFAULT_QUEUE); never "gpu"
def run_import(*, job_id: int) -> str:
    """Import the job's source; a job already finished is not run again (safe redelivery)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status in {ImportJob.Status.DONE, ImportJob.Status.FAILED}:
            return job.status
        job.status = ImportJob.Status.RUNNING
        job.progress_message = "started"
        job.save(update_fields=["status", "progress_message"])
        record("import_job.started", job, actor=job.created_by, message=job.source)
    options = job.options or {}
    try:
        report = import_cases(
            job.source, job.manifest, deidentify=bool(options.get("deidentify")), masks_dir=options.get("masks_dir"),
            job=job, phase_overrides=_overrides(options.get("phase_overrides")), actor=job.created_by,
        )
    except ImportFailed as exc:
        _finish(job, ImportJob.Status.FAILED, error=str(exc))
        return job.status
    except Exception as exc:  # noqa: BLE001 - an unexpected bug still marks the job failed, then re-raises
        logger.exception("import job %s crashed", job_id)
        _finish(job, ImportJob.Status.FAILED, error=f"internal error: {type(exc).__name__}: {exc}")
        raise
    _finish(job, ImportJob.Status.DONE, report=report.to_dict())
    return job.status


def _overrides(raw: dict | None) -> dict[str, dict[Phase, str]] | None:
    if not raw:
        return None
    return {case_id: {Phase(phase): str(value) for phase, value in phases.items()} for case_id, phases in raw.items()}


def _finish(job: ImportJob, status: str, *, error: str = "", report: dict | None = None) -> None:
    with transaction.atomic():
        job.status = status
        job.error = error
        job.finished_at = clock.now()
        if report is not None:
            job.report = report
            job.progress = 1.0
            job.progress_message = "done"
        else:
            job.progress_message = "failed"
        job.save(update_fields=["status", "error", "finished_at", "report", "progress", "progress_message"])
        record(f"import_job.{status}", job, actor=job.created_by, after={"status": status, "error": error})
