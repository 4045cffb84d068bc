"""Loaded models, one copy per worker process, keyed by model version and checksum.

Loading nnU-Net and the ALMSS bundle costs seconds (imports, plans, weights), so a Celery
worker child loads a model version once and keeps it; the cache key includes the checksum
so a re-registered version can never be served from stale weights.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

SEGMENTATION_FILES = ("plans.json", "dataset.json")


class ModelFilesError(RuntimeError):
    """The files of a registered model are missing or changed since registration."""


@dataclass
class ModelRuntime:
    model_version_id: int
    checksum: str
    device: str
    segmenter: object  # inference.segmentation.LiverTumourSegmenter
    bundle: object  # inference.almss.bundle.ALMSSBundle


_cache: dict[tuple[int, str], ModelRuntime] = {}
_lock = threading.Lock()


def inference_device() -> str:
    """``INFERENCE_DEVICE`` if set, else CUDA when present, else CPU."""
    configured = os.environ.get("INFERENCE_DEVICE", "").strip()
    if configured:
        return configured
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def resolve_model_path(path: str) -> Path:
    """Model paths are stored relative to MEDIA_ROOT (portable to GPU workers) or absolute."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else Path(settings.MEDIA_ROOT) / candidate


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def segmentation_checksum(model_dir: Path) -> str:
    """SHA-256 over the files prediction needs: plans, dataset.json and every fold's final checkpoint."""
    files = [model_dir / name for name in SEGMENTATION_FILES] + sorted(model_dir.glob("fold_*/checkpoint_final.pth"))
    missing = [str(f) for f in files if not f.is_file()]
    if missing or len(files) == len(SEGMENTATION_FILES):
        raise ModelFilesError(f"{model_dir}: not a finished nnU-Net model folder "
                              f"(missing {missing or 'fold_*/checkpoint_final.pth'})")
    lines = [f"{_sha256_file(f)}  {f.relative_to(model_dir)}" for f in files]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def model_checksum(bundle_dir: Path, segmentation_dir: Path) -> str:
    """The identity of a model version: its ALMSS bundle checksum and its segmentation checksum together."""
    from inference.almss.bundle import bundle_checksum

    try:
        bundle = bundle_checksum(bundle_dir)
    except FileNotFoundError as exc:
        raise ModelFilesError(f"{bundle_dir}: not an ALMSS bundle ({exc})") from exc
    combined = f"bundle {bundle}\nsegmentation {segmentation_checksum(segmentation_dir)}\n"
    return hashlib.sha256(combined.encode()).hexdigest()


def load_runtime(model_version) -> ModelRuntime:
    """Load (or return the cached) segmenter and bundle of ``model_version``."""
    key = (model_version.pk, model_version.checksum)
    with _lock:
        if key in _cache:
            return _cache[key]
        from inference.almss.bundle import ALMSSBundle
        from inference.segmentation import LiverTumourSegmenter

        bundle_dir = resolve_model_path(model_version.path)
        seg_dir = resolve_model_path(model_version.segmentation_path)
        actual = model_checksum(bundle_dir, seg_dir)
        if actual != model_version.checksum:
            raise ModelFilesError(
                f"model {model_version}: files changed since registration (checksum {actual[:12]}, "
                f"registered {model_version.checksum[:12]}); register them as a new version"
            )
        device = inference_device()
        options = model_version.segmentation_config or {}
        segmenter = LiverTumourSegmenter.load(seg_dir, device, use_mirroring=bool(options.get("use_mirroring")))
        bundle = ALMSSBundle.load(bundle_dir, device=device)
        runtime = ModelRuntime(model_version.pk, model_version.checksum, device, segmenter, bundle)
        _cache[key] = runtime
        logger.info("loaded model %s on %s", model_version, device)
        return runtime


def clear_cache() -> None:
    with _lock:
        _cache.clear()
