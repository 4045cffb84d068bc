"""Requesting and running ALMSS inference; the state machine of :class:`InferenceResult`.

queued -> running -> done | failed. A done result is final (idempotent re-runs return it).
A run computes into ``MEDIA_ROOT/inference/tmp/...`` and only the transaction that marks the
result done moves that folder to ``inference/results/<pk>``; every failure removes it.

Which model runs on an import (``cases_imported``): for each imported case, the models of the
reader studies that contain it (``ReaderStudy.model_version``); if no such study exists, the
model version flagged ``active_default`` (``register_model --activate``), if any.
"""
from __future__ import annotations

import datetime as dt
import logging
import shutil
import uuid
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import transaction

from reader_study import clock
from reader_study.audit.services import record
from reader_study.cases.models import Case

from .models import InferenceResult, ModelVersion
from .pipeline import InferenceError, run_pipeline
from .runtime import ModelFilesError, load_runtime

logger = logging.getLogger(__name__)
Status = InferenceResult.Status
RESULTS_DIR = "inference/results"
TMP_DIR = "inference/tmp"
STALE_RUNNING = dt.timedelta(hours=2)


def result_dir(result: InferenceResult) -> Path:
    return Path(settings.MEDIA_ROOT) / RESULTS_DIR / str(result.pk)


def summary(result: InferenceResult) -> dict:
    """The JSON form of a result (command output, status view, task return value)."""
    return {
        "result_id": result.pk, "case": result.case.case_id, "model_version": str(result.model_version),
        "model_label": result.model_version.label, "status": result.status, "message": result.message,
        "primary_probabilities": result.primary_probabilities, "origin_probabilities": result.origin_probabilities,
        "final_class": result.final_class or None, "final_origin": result.final_origin or None,
        "timings": result.timings, "attempts": result.attempts, "storage_dir": result.storage_dir or None,
        "started_at": result.started_at.isoformat() if result.started_at else None,
        "finished_at": result.finished_at.isoformat() if result.finished_at else None,
    }


# --- requesting -------------------------------------------------------------------------------------------------

def request_inference(case: Case, model_version: ModelVersion, *, actor=None, enqueue: bool = True) -> InferenceResult:
    """Create (or re-queue a failed) result and enqueue the Celery task after the transaction commits.

    Done and in-flight results are returned unchanged, so calling this twice never duplicates work.
    """
    with transaction.atomic():
        result, created = InferenceResult.objects.select_for_update().get_or_create(
            case=case, model_version=model_version, defaults={"created_at": clock.now()}
        )
        if not created and result.status != Status.FAILED:
            return result
        before = None if created else {"status": result.status, "message": result.message}
        result.status, result.message = Status.QUEUED, "waiting for a worker"
        result.save(update_fields=["status", "message"])
        record("inference.queued", result, actor=actor, before=before, after={"status": Status.QUEUED,
               "case": case.case_id, "model_version": str(model_version)})
        if enqueue:
            transaction.on_commit(lambda: _send_task(case.pk, model_version.pk))
    return result


def _send_task(case_pk: int, model_version_pk: int) -> None:
    from .tasks import run_almss

    run_almss.delay(case_pk, model_version_pk)


def study_models_by_case(case_ids: list[int]) -> dict[int, set[int]]:
    """Model versions of the reader studies (``ReaderStudy.model_version``) that contain each case."""
    reader_study = apps.get_model("studies", "ReaderStudy")
    rows = reader_study.objects.filter(cases__in=case_ids, model_version__isnull=False).values_list(
        "cases", "model_version")
    found: dict[int, set[int]] = {}
    for case_pk, model_pk in rows:
        found.setdefault(case_pk, set()).add(model_pk)
    return found


def request_inference_for_study(study, *, actor=None) -> list[InferenceResult]:
    """Queue the study's model for every case of the study (call when a model is set or cases are added)."""
    if study.model_version_id is None:
        return []
    return [request_inference(case, study.model_version, actor=actor) for case in study.cases.all()]


def models_for_cases(case_ids: list[int]) -> dict[int, list[ModelVersion]]:
    """Apply the documented rule: the cases' study models, else the active default model."""
    by_case = study_models_by_case(case_ids)
    default = ModelVersion.objects.filter(active_default=True).first()
    wanted = {pk for pks in by_case.values() for pk in pks}
    versions = ModelVersion.objects.in_bulk(wanted)
    plan: dict[int, list[ModelVersion]] = {}
    for case_pk in case_ids:
        chosen = [versions[pk] for pk in sorted(by_case.get(case_pk, ())) if pk in versions]
        if not chosen and default is not None:
            chosen = [default]
        plan[case_pk] = chosen
    return plan


def on_cases_imported(sender, case_ids=(), **kwargs) -> None:
    """Receiver of ``cases_imported``: enqueue ALMSS for every imported case that has a model to run."""
    case_ids = list(case_ids)
    if not case_ids:
        return
    plan = models_for_cases(case_ids)
    for case in Case.objects.filter(pk__in=case_ids):
        for model_version in plan.get(case.pk, []):
            request_inference(case, model_version)


# --- running ----------------------------------------------------------------------------------------------------

def _claim(case_id: int, model_version_id: int, task_id: str) -> tuple[InferenceResult, bool]:
    """Lock the result row and mark it running; returns (result, should_run)."""
    with transaction.atomic():
        case = Case.objects.get(pk=case_id)
        model_version = ModelVersion.objects.get(pk=model_version_id)
        InferenceResult.objects.get_or_create(case=case, model_version=model_version,
                                              defaults={"created_at": clock.now()})
        result = InferenceResult.objects.select_for_update().get(case=case, model_version=model_version)
        if result.status == Status.DONE:
            return result, False
        fresh = result.started_at and clock.now() - result.started_at < STALE_RUNNING
        if result.status == Status.RUNNING and result.task_id != task_id and fresh:
            return result, False  # another worker is on it; its outcome will be stored
        before = {"status": result.status}
        result.status, result.message, result.task_id = Status.RUNNING, "starting", task_id
        result.started_at, result.finished_at, result.attempts = clock.now(), None, result.attempts + 1
        result.save()
        record("inference.started", result, before=before, after={"status": Status.RUNNING,
               "attempt": result.attempts, "task_id": task_id})
        return result, True


def _set_progress(result_pk: int, message: str) -> None:
    InferenceResult.objects.filter(pk=result_pk, status=Status.RUNNING).update(message=message[:500])


def _finish(result: InferenceResult, tmp: Path, output) -> InferenceResult:
    """Flip the row to done and move the folder into place in one transaction."""
    final = result_dir(result)
    try:
        with transaction.atomic():
            locked = InferenceResult.objects.select_for_update().get(pk=result.pk)
            locked.status, locked.message = Status.DONE, ""
            locked.primary_probabilities = output.primary_probabilities
            locked.origin_probabilities = output.origin_probabilities
            locked.final_class, locked.final_origin = output.final_class, output.final_origin or ""
            locked.timings, locked.finished_at = output.timings, clock.now()
            locked.storage_dir = f"{RESULTS_DIR}/{result.pk}"
            locked.save()
            record("inference.done", locked, before={"status": Status.RUNNING}, after={
                "status": Status.DONE, "final_class": locked.final_class, "final_origin": locked.final_origin})
            if final.exists():
                shutil.rmtree(final)  # leftovers of a run whose commit failed
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp.rename(final)
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)
        raise
    return locked


def _fail(result_pk: int, message: str, *, retrying: bool) -> InferenceResult:
    with transaction.atomic():
        locked = InferenceResult.objects.select_for_update().get(pk=result_pk)
        before = {"status": locked.status}
        locked.status = Status.QUEUED if retrying else Status.FAILED
        locked.message = (f"retrying after a transient error: {message}" if retrying else message)[:2000]
        locked.finished_at = None if retrying else clock.now()
        locked.primary_probabilities = locked.origin_probabilities = None
        locked.final_class = locked.final_origin = locked.storage_dir = ""
        locked.save()
        record("inference.retry" if retrying else "inference.failed", locked, before=before,
               after={"status": locked.status}, message=locked.message)
    shutil.rmtree(result_dir(locked), ignore_errors=True)
    return locked


def run_inference(case_id: int, model_version_id: int, *, task_id: str = "", transient: tuple = (),
                  may_retry: bool = False) -> InferenceResult:
    """Run ALMSS for one case and model version; idempotent and atomic (see module docstring).

    ``transient`` errors are re-raised (after re-queuing the row) when ``may_retry`` so Celery
    retries them; every other error marks the result failed with a clear message.
    """
    result, should_run = _claim(case_id, model_version_id, task_id or f"sync-{uuid.uuid4().hex[:8]}")
    if not should_run:
        return result
    tmp_root = Path(settings.MEDIA_ROOT) / TMP_DIR
    for stale in tmp_root.glob(f"{result.pk}-*"):  # a crashed earlier attempt (acks_late redelivery)
        shutil.rmtree(stale, ignore_errors=True)
    tmp = tmp_root / f"{result.pk}-{uuid.uuid4().hex}"
    tmp.mkdir(parents=True)
    try:
        runtime = load_runtime(result.model_version)
        output = run_pipeline(result.case, result.model_version, runtime, tmp,
                              lambda message: _set_progress(result.pk, message))
        return _finish(result, tmp, output)
    except transient as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        _fail(result.pk, f"{type(exc).__name__}: {exc}", retrying=may_retry)
        if may_retry:
            raise
        return InferenceResult.objects.get(pk=result.pk)
    except (InferenceError, ModelFilesError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        return _fail(result.pk, str(exc), retrying=False)
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        logger.exception("ALMSS inference failed for case %s, model %s", case_id, model_version_id)
        return _fail(result.pk, f"internal error: {type(exc).__name__}: {exc}", retrying=False)
