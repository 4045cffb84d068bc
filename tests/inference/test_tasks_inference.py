"""The run_almss Celery task end to end with a real worker (Redis broker, PostgreSQL, CPU)."""
from __future__ import annotations

from pathlib import Path

import highdicom as hd
import numpy as np
import pytest
from inference_helpers import wait_for

from inference import services
from inference.models import InferenceResult
from inference.registry import register_model
from inference.tasks import run_almss
from reader_study.audit.models import AuditEvent
from reader_study.cases.models import Case, Series
from reader_study.cases.services import import_cases
from reader_study.vocabulary import PHASES, TUMOUR_CLASSES

pytestmark = [pytest.mark.slow, pytest.mark.worker]
Status = InferenceResult.Status


def finished(case, model):
    result = InferenceResult.objects.filter(case=case, model_version=model).first()
    return result if result and result.status in (Status.DONE, Status.FAILED) else None


def assert_outputs_match_series(result: InferenceResult, media: Path) -> None:
    folder = media / result.storage_dir
    assert folder == media / "inference" / "results" / str(result.pk)
    for phase in PHASES:
        series = Series.objects.get(study__case=result.case, phase=phase.value)
        with np.load(folder / "overlays" / f"{phase.value}.npz") as overlay:
            shape = (series.slice_count, series.rows, series.columns)
            assert overlay["labelmap"].shape == overlay["heatmap"].shape == shape
            assert overlay["labelmap"].dtype == overlay["heatmap"].dtype == np.uint8
            assert set(np.unique(overlay["labelmap"])) <= {0, 1, 2}
        seg = hd.seg.segread(folder / "seg" / f"{phase.value}.dcm")
        referenced = {ref.ReferencedSOPInstanceUID for item in seg.ReferencedSeriesSequence
                      for ref in item.ReferencedInstanceSequence}
        assert referenced <= set(series.instances.values_list("sop_instance_uid", flat=True))
        assert seg.ReferencedSeriesSequence[0].SeriesInstanceUID == series.series_instance_uid


def test_import_enqueues_inference_and_worker_stores_result(
        transactional_db, celery_worker, worker_media, tiny_model_dirs, phantom_folder):
    model, created = register_model(tiny_model_dirs["bundle"], tiny_model_dirs["segmentation"], name="tiny",
                                    version="t1", activate=True)
    assert created and model.active_default and model.label == "synthetic data, not for clinical use"

    import_cases(phantom_folder, phantom_folder / "manifest.csv")  # cases_imported -> enqueue on commit
    cases = list(Case.objects.order_by("case_id"))
    results = [wait_for(lambda c=case: finished(c, model)) for case in cases]

    for result in results:
        assert result.status == Status.DONE, result.message
        assert set(result.primary_probabilities) == {c.value for c in TUMOUR_CLASSES}
        assert sum(result.primary_probabilities.values()) == pytest.approx(1.0, abs=1e-4)
        assert result.final_class in result.primary_probabilities
        assert (result.final_origin != "") == (result.final_class == "LM")
        assert result.timings["total_s"] > 0 and result.attempts == 1
        assert_outputs_match_series(result, worker_media)
    assert not list((worker_media / "inference" / "tmp").iterdir())
    actions = list(AuditEvent.objects.filter(object_type="inference.inferenceresult").values_list("action", flat=True))
    assert sorted(set(actions)) == ["inference.done", "inference.queued", "inference.started"]

    # Idempotent: requesting or running again returns the stored result and never recomputes.
    first = results[0]
    again = services.request_inference(first.case, model)
    assert (again.pk, again.status) == (first.pk, Status.DONE)
    summary = run_almss.apply(args=(first.case.pk, model.pk)).get()
    assert summary["result_id"] == first.pk and summary["final_class"] == first.final_class
    stored = InferenceResult.objects.get(pk=first.pk)
    assert (stored.attempts, stored.finished_at) == (1, first.finished_at)
    assert InferenceResult.objects.filter(case=first.case).count() == 1


def test_unreadable_series_fails_cleanly(transactional_db, celery_worker, worker_media, tiny_model_dirs,
                                         phantom_folder):
    model, _ = register_model(tiny_model_dirs["bundle"], tiny_model_dirs["segmentation"], name="tiny", version="t2")
    import_cases(phantom_folder, phantom_folder / "manifest.csv")
    assert not InferenceResult.objects.exists()  # no active model: the import queued nothing
    case = Case.objects.order_by("case_id").first()
    arterial = Series.objects.get(study__case=case, phase="arterial")
    broken = arterial.instances.order_by("index")[3]
    (worker_media / broken.path).write_bytes(b"not a DICOM file")

    services.request_inference(case, model)
    result = wait_for(lambda: finished(case, model))

    assert result.status == Status.FAILED
    assert "arterial series" in result.message and "could not be read" in result.message
    assert arterial.series_instance_uid in result.message
    assert result.primary_probabilities is None and result.final_class == "" and result.storage_dir == ""
    assert not (worker_media / "inference" / "results" / str(result.pk)).exists()
    assert not list((worker_media / "inference" / "tmp").iterdir())
    assert AuditEvent.objects.filter(action="inference.failed", object_id=str(result.pk)).count() == 1
