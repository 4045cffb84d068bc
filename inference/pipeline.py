"""The ALMSS pipeline for one case: load phases, segment, classify, write outputs to a folder.

Everything here writes only into ``out_dir`` (a temporary folder the caller later moves into
place in the same transaction that marks the result done), so a failure leaves nothing behind.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from reader_study.vocabulary import PHASES, Phase

from .outputs import heatmap_to_uint8, write_dicom_seg, write_overlay


class InferenceError(RuntimeError):
    """A permanent problem with the input or the model: the result fails with this message."""


@dataclass
class PipelineOutput:
    primary_probabilities: dict[str, float]
    origin_probabilities: dict[str, float] | None
    final_class: str
    final_origin: str | None
    timings: dict[str, float] = field(default_factory=dict)
    flags: dict = field(default_factory=dict)


def _series_by_phase(case) -> dict[Phase, object]:
    study = getattr(case, "imaging_study", None)
    if study is None:
        raise InferenceError(f"case {case.case_id} has no imaging study")
    series = {s.phase: s for s in study.series.all()}
    missing = [p.value for p in PHASES if p.value not in series]
    if missing:
        raise InferenceError(f"case {case.case_id} lacks the {', '.join(missing)} series (ALMSS needs all four phases)")
    return {p: series[p.value] for p in PHASES}


def _load_volume(case, phase: Phase, series):
    from reader_study.cases.volumes import load_series_volume

    try:
        volume = load_series_volume(series)
    except Exception as exc:  # noqa: BLE001 - any reader error is a bad-input error for this case
        raise InferenceError(
            f"case {case.case_id}, {phase.value} series {series.series_instance_uid}: the images could not be read "
            f"({type(exc).__name__}: {exc})"
        ) from exc
    return volume


def _source_datasets(series) -> list:
    import pydicom

    root = Path(settings.MEDIA_ROOT)
    return [pydicom.dcmread(root / inst.path, stop_before_pixels=True) for inst in series.instances.order_by("index")]


def run_pipeline(case, model_version, runtime, out_dir: Path, progress: Callable[[str], None]) -> PipelineOutput:
    """Run segmentation and ALMSS for ``case`` and write overlays, SEGs and ``result.json`` into ``out_dir``."""
    from inference.almss.preprocess import PhaseInput

    timings: dict[str, float] = {}
    started = time.perf_counter()
    series = _series_by_phase(case)
    phase_inputs, labelmaps = {}, {}
    for number, phase in enumerate(PHASES, start=1):
        progress(f"segmenting the {phase.label.lower()} phase ({number}/{len(PHASES)})")
        tick = time.perf_counter()
        volume = _load_volume(case, phase, series[phase])
        timings[f"load_{phase.value}_s"] = time.perf_counter() - tick
        tick = time.perf_counter()
        labelmaps[phase] = runtime.segmenter.segment(volume.hu, volume.spacing_zyx)
        timings[f"segment_{phase.value}_s"] = time.perf_counter() - tick
        phase_inputs[phase] = PhaseInput.from_labelmap(volume.hu, labelmaps[phase], volume.spacing_zyx)
    progress("classifying (ALMSS networks 1 and 2, Grad-CAM)")
    tick = time.perf_counter()
    prediction = runtime.bundle.predict(phase_inputs, age=int(case.age), sex=case.sex, explain=True)
    timings["almss_s"] = time.perf_counter() - tick
    timings.update({f"almss_{k}": float(v) for k, v in prediction.timings.items()})
    progress("writing overlays and DICOM SEG")
    tick = time.perf_counter()
    _write_phase_outputs(out_dir, model_version, series, labelmaps, prediction.heatmaps)
    timings["write_s"] = time.perf_counter() - tick
    timings["total_s"] = time.perf_counter() - started
    output = PipelineOutput(
        primary_probabilities={k: float(v) for k, v in prediction.primary_probabilities.items()},
        origin_probabilities=(None if prediction.origin_probabilities is None
                              else {k: float(v) for k, v in prediction.origin_probabilities.items()}),
        final_class=prediction.final_class, final_origin=prediction.final_origin,
        timings={k: round(v, 3) for k, v in timings.items()}, flags=dict(getattr(prediction, "flags", {}) or {}),
    )
    (out_dir / "result.json").write_text(json.dumps({
        "case": case.case_id, "model_version": str(model_version), "checksum": model_version.checksum,
        **output.__dict__,
    }, indent=2, default=str))
    return output


def _write_phase_outputs(out_dir: Path, model_version, series, labelmaps, heatmaps) -> None:
    for phase in PHASES:
        labelmap = labelmaps[phase]
        heatmap = heatmap_to_uint8(heatmaps.get(phase), labelmap.shape)
        write_overlay(out_dir / "overlays" / f"{phase.value}.npz", labelmap, heatmap)
        write_dicom_seg(
            out_dir / "seg" / f"{phase.value}.dcm", _source_datasets(series[phase]), labelmap,
            algorithm_name=model_version.name, algorithm_version=model_version.version,
        )

