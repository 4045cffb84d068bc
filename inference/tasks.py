"""Celery tasks of the inference app (routed to the ``gpu`` queue by ``inference.tasks.*``).

Workers: ``celery -A reader_study worker -Q gpu -c 1`` (prefork is fine: segmentation uses
nnU-Net's in-process ``predict_single_npy_array``). Models are loaded once per worker process
and cached (see :mod:`inference.runtime`); ``worker_process_init`` preloads the active default
model so the first case does not pay for it.
"""
from __future__ import annotations

import logging
import os

from celery import shared_task
from celery.signals import worker_process_init
from django.db import InterfaceError, OperationalError

from . import services

logger = logging.getLogger(__name__)


def _transient_errors() -> tuple[type[BaseException], ...]:
    """Errors worth retrying: the database or broker blinked, or the GPU ran out of memory."""
    errors: list[type[BaseException]] = [OperationalError, InterfaceError, ConnectionError, TimeoutError]
    try:
        import torch

        errors.append(torch.cuda.OutOfMemoryError)
    except (ImportError, AttributeError):
        pass
    return tuple(errors)


TRANSIENT_ERRORS = _transient_errors()
MAX_RETRIES = 3


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT_ERRORS,
             max_retries=MAX_RETRIES, retry_backoff=5, retry_backoff_max=120, retry_jitter=True)
def run_almss(self, case_id: int, model_version_id: int) -> dict:
    """Run ALMSS on one case with one model version; returns the stored result as JSON.

    Idempotent: a case already done for this version is returned as is, never recomputed.
    """
    result = services.run_inference(
        case_id, model_version_id, task_id=self.request.id or "", transient=TRANSIENT_ERRORS,
        may_retry=self.request.retries < MAX_RETRIES,
    )
    return services.summary(result)


@worker_process_init.connect
def _prepare_worker_process(**kwargs) -> None:
    """Limit torch threads (``INFERENCE_TORCH_THREADS``) and preload the active default model."""
    threads = os.environ.get("INFERENCE_TORCH_THREADS")
    if threads:
        import torch

        torch.set_num_threads(max(1, int(threads)))
    if os.environ.get("INFERENCE_PRELOAD", "1") != "1":
        return
    try:
        from .models import ModelVersion
        from .runtime import load_runtime

        model_version = ModelVersion.objects.filter(active_default=True).first()
        if model_version is not None:
            load_runtime(model_version)
    except Exception:  # noqa: BLE001 - a broken model must not stop the worker; tasks report it per case
        logger.exception("could not preload the active default model")
