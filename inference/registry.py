"""Registering model versions: copy the files under MEDIA_ROOT, checksum them, record provenance.

Copies make a registered version immutable and visible to GPU workers that share MEDIA_ROOT;
the checksum (see :func:`inference.runtime.model_checksum`) is re-verified when a worker loads it.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction

from reader_study import clock
from reader_study.audit.services import record

from .models import ModelVersion
from .runtime import ModelFilesError, model_checksum

MODELS_DIR = "inference/models"
BUNDLE_FILES = ("config.json", "primary.pt", "origin.pt", "baseline.pt", "cutoffs.json", "metrics.json", "LABEL.txt",
                "SHA256SUMS", "training_data.json")
SEGMENTATION_PATTERNS = ("plans.json", "dataset.json", "dataset_fingerprint.json", "fold_*/checkpoint_final.pth")


class RegistrationError(ValueError):
    """The files do not form a model, or the name/version is taken by different files."""


def _read_json(path: Path, default):
    return json.loads(path.read_text()) if path.is_file() else default


def _copy(source: Path, target: Path, patterns: tuple[str, ...]) -> None:
    for pattern in patterns:
        for file in source.glob(pattern):
            destination = target / file.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, destination)


def _stored_copy(bundle: Path, segmentation: Path, name: str, version: str) -> tuple[Path, Path, str]:
    """Copy both folders to ``MEDIA_ROOT/inference/models/<name>/<version>`` (written aside, then renamed)."""
    relative = Path(MODELS_DIR) / name / version
    final = Path(settings.MEDIA_ROOT) / relative
    staging = final.with_name(f".{version}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    _copy(bundle, staging / "bundle", BUNDLE_FILES)
    _copy(segmentation, staging / "segmentation", SEGMENTATION_PATTERNS)
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)
    return final / "bundle", final / "segmentation", str(relative)


def _checksum(bundle: Path, segmentation: Path) -> str:
    from inference.almss.bundle import BundleError, verify_checksums

    try:
        verify_checksums(bundle)
        return model_checksum(bundle, segmentation)
    except (BundleError, ModelFilesError, FileNotFoundError) as exc:
        raise RegistrationError(str(exc)) from exc


def register_model(
    bundle_dir: str | Path, segmentation_dir: str | Path, *, name: str, version: str, activate: bool = False,
    copy: bool = True, actor=None,
) -> tuple[ModelVersion, bool]:
    """Register (or find, when the same files are already registered) a model version; returns (version, created)."""
    bundle, segmentation = Path(bundle_dir).resolve(), Path(segmentation_dir).resolve()
    checksum = _checksum(bundle, segmentation)
    existing = ModelVersion.objects.filter(name=name, version=version).first()
    if existing is not None:
        if existing.checksum != checksum:
            raise RegistrationError(f"model {name} {version} is already registered with other files "
                                    f"(checksum {existing.checksum[:12]}); choose a new --version")
        if activate and not existing.active_default:
            _activate(existing, actor)
        return existing, False
    fields = {"name": name, "version": version, "checksum": checksum, "path": str(bundle),
              "segmentation_path": str(segmentation),
              "segmentation_config": {"source_folder": segmentation.name, "use_mirroring": False}}
    stored_relative = None
    if copy:
        bundle, segmentation, stored_relative = _stored_copy(bundle, segmentation, name, version)
        fields.update(path=f"{stored_relative}/bundle", segmentation_path=f"{stored_relative}/segmentation")
    try:
        with transaction.atomic():
            model = ModelVersion.objects.create(**fields, **_provenance(bundle), created_at=clock.now())
            record("inference.model_registered", model, actor=actor,
                   after={"name": name, "version": version, "checksum": checksum, "label": model.label})
            if activate:
                _activate(model, actor)
    except BaseException:
        if stored_relative:
            shutil.rmtree(Path(settings.MEDIA_ROOT) / stored_relative, ignore_errors=True)
        raise
    return model, True


def _provenance(bundle: Path) -> dict:
    """Configuration, cut-offs, metrics, training data and label, as the bundle states them."""
    label = (bundle / "LABEL.txt").read_text().strip() if (bundle / "LABEL.txt").is_file() else ""
    return {"config": _read_json(bundle / "config.json", {}), "cutoffs": _read_json(bundle / "cutoffs.json", {}),
            "metrics": _read_json(bundle / "metrics.json", {}),
            "training_data": _read_json(bundle / "training_data.json", {}), "label": label,
            "is_demo": "synthetic" in label.lower()}


def _activate(model: ModelVersion, actor) -> None:
    with transaction.atomic():
        previous = list(ModelVersion.objects.select_for_update().filter(active_default=True).exclude(pk=model.pk))
        for other in previous:
            other.active_default = False
            other.save(update_fields=["active_default"])
        model.active_default = True
        model.save(update_fields=["active_default"])
        record("inference.model_activated", model, actor=actor,
               before={"active_default": [str(m) for m in previous]}, after={"active_default": str(model)})
