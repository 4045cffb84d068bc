"""Look-ups behind the DICOMweb and overlay endpoints: rows to files, cached metadata, cached pixel locations.

Nothing here checks permissions; the views do that first (``reader_study.studies.access``).
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.apps import apps
from django.conf import settings

from reader_study.cases.models import Instance, Series
from reader_study.viewer import dicomweb
from reader_study.vocabulary import PHASES

OVERLAY_KINDS = ("labelmap", "heatmap")
METADATA_CACHE_DIR = "viewer-cache/metadata"


def media_path(relative: str) -> Path:
    """Resolve a path stored relative to MEDIA_ROOT (read at call time: tests move MEDIA_ROOT)."""
    return Path(settings.MEDIA_ROOT) / relative


def series_for(study_uid: str, series_uid: str) -> Series | None:
    """Return the series with these UIDs (and its case), or None (one query, no ordering)."""
    try:
        return Series.objects.select_related("study__case").get(
            series_instance_uid=series_uid, study__study_instance_uid=study_uid
        )
    except Series.DoesNotExist:
        return None


def instance_for(study_uid: str, series_uid: str, sop_uid: str) -> Instance | None:
    """Return the instance with these UIDs, with its series, study and case, or None (one query per frame)."""
    try:
        return Instance.objects.select_related("series__study__case").get(
            sop_instance_uid=sop_uid,
            series__series_instance_uid=series_uid,
            series__study__study_instance_uid=study_uid,
        )
    except Instance.DoesNotExist:
        return None


def _metadata_cache_key(instances: list[Instance]) -> str:
    digest = hashlib.sha256()
    for inst in instances:
        digest.update(f"{inst.sop_instance_uid}:{inst.sha256}:{inst.index};".encode())
    return digest.hexdigest()[:24]


def _ordered_by_instances(items: list[dict], instances: list[Instance]) -> list[dict] | None:
    """Put cached DICOM JSON in ``Instance.index`` order; None when the cache does not match the rows."""
    by_uid = {dicomweb.sop_instance_uid(item): item for item in items}
    ordered = [by_uid.get(inst.sop_instance_uid) for inst in instances]
    return None if any(item is None for item in ordered) else ordered


def _import_cached_metadata(series: Series, instances: list[Instance]) -> list[dict] | None:
    """Use the metadata JSON the importer stored per series, when it is DICOM JSON for exactly these instances."""
    if not series.metadata_json:
        return None
    path = media_path(series.metadata_json)
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        value = json.loads(raw)
    except (OSError, ValueError):
        return None
    if isinstance(value, dict):  # tolerate {"instances": [...]} wrappers
        value = value.get("instances")
    return _ordered_by_instances(value, instances) if dicomweb.is_dicom_json_series(value) else None


def series_metadata_bytes(series: Series) -> bytes:
    """Return the series' DICOM JSON (sorted along the slice normal by ``Instance.index``), built once and cached."""
    instances = list(series.instances.order_by("index"))
    cache = media_path(METADATA_CACHE_DIR) / f"series-{series.pk}-{_metadata_cache_key(instances)}.json"
    if cache.exists():
        return cache.read_bytes()
    items = _import_cached_metadata(series, instances)
    if items is None:
        items = dicomweb.series_metadata([media_path(inst.path) for inst in instances])
    for item, inst in zip(items, instances):
        item.setdefault("00020010", {"vr": "UI", "Value": [inst.transfer_syntax_uid]})
    body = dicomweb.dumps_dicom_json(items)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_bytes(body)
    tmp.replace(cache)
    return body


@lru_cache(maxsize=65536)
def _located(path: str, mtime_ns: int, size: int) -> dicomweb.PixelDataLocation:
    return dicomweb.locate_pixel_data(path)


def pixel_location(instance: Instance) -> dicomweb.PixelDataLocation:
    """Return where the pixel data lies: the importer's recorded offset, else parsed once per file version."""
    path = media_path(instance.path)
    if instance.pixel_offset is not None and instance.pixel_length:
        return dicomweb.PixelDataLocation(int(instance.pixel_offset), int(instance.pixel_length),
                                          instance.transfer_syntax_uid)
    stat = path.stat()
    return _located(str(path), stat.st_mtime_ns, stat.st_size)


def frame_bytes(instance: Instance, frame_number: int) -> tuple[bytes, str]:
    """Return one frame's bytes (compressed frames unchanged) and its part media type."""
    location = pixel_location(instance)
    data = dicomweb.read_frame(media_path(instance.path), location, frame_number)
    return data, dicomweb.frame_media_type(location.transfer_syntax_uid)


# --- AI overlays (contract 5) -------------------------------------------------------------------------------


def inference_result(pk: int):
    """Return a finished InferenceResult with its case, or None."""
    model = apps.get_model("inference", "InferenceResult")
    return model.objects.select_related("case").filter(pk=pk, status="done").first()


def overlay_path(result, phase: str) -> Path:
    """Return the npz of one phase of a result (``storage_dir`` when set, else the contract's default folder)."""
    base = result.storage_dir or f"inference/results/{result.pk}"
    return media_path(base) / "overlays" / f"{phase}.npz"


@dataclass(frozen=True)
class OverlayPayload:
    """One overlay array as gzip-compressed raw uint8 (z, y, x) bytes, with an ETag of the source file version."""

    gzipped: bytes
    shape: tuple[int, int, int]
    etag: str


@lru_cache(maxsize=8)  # gzip of labelmaps is tiny, of heat maps a few MB each
def _overlay_payload(path: str, mtime_ns: int, size: int, kind: str) -> OverlayPayload:
    with np.load(path) as npz:
        array = np.ascontiguousarray(npz[kind], dtype=np.uint8)
    if array.ndim != 3:
        raise ValueError(f"{Path(path).name}: {kind} must be 3-D (z, y, x), got shape {array.shape}")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=1, mtime=0) as handle:
        handle.write(array.tobytes())
    etag = hashlib.sha256(f"{path}:{mtime_ns}:{size}:{kind}".encode()).hexdigest()[:32]
    return OverlayPayload(buffer.getvalue(), tuple(int(n) for n in array.shape), etag)


def overlay_payload(result, phase: str, kind: str) -> OverlayPayload | None:
    """Return the overlay of one phase and kind, or None when the file is missing."""
    if kind not in OVERLAY_KINDS or phase not in {p.value for p in PHASES}:
        return None
    path = overlay_path(result, phase)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return _overlay_payload(str(path), stat.st_mtime_ns, stat.st_size, kind)


def overlay_version(result, phase: str) -> str:
    """Return a short version token of a phase's overlay file, for cache-busting URLs."""
    try:
        stat = overlay_path(result, phase).stat()
    except FileNotFoundError:
        return "0"
    return hashlib.sha256(f"{stat.st_mtime_ns}:{stat.st_size}".encode()).hexdigest()[:12]
