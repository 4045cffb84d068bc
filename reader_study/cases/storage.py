"""Files of an import: staging under MEDIA_ROOT, then moved into place only on success.

Everything an import writes goes first to ``MEDIA_ROOT/.import-staging/<token>``;
the service moves finished case folders to ``MEDIA_ROOT/cases/`` inside its
database transaction and removes them again if anything fails afterwards, so a
failed import leaves the storage exactly as it was.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from django.conf import settings
from pydicom.dataset import Dataset

from reader_study.dicom_import.deidentify import deidentify
from reader_study.dicom_import.errors import ImportFailed
from reader_study.dicom_import.multiframe import single_frame_dataset
from reader_study.dicom_import.records import SliceRecord
from reader_study.dicom_import.validate import DEFER_SIZE, ensure_transfer_syntax, pixel_data_location

STAGING_FOLDER = ".import-staging"
CASES_FOLDER = "cases"
STALE_STAGING_SECONDS = 24 * 3600


@dataclass(frozen=True)
class StoredInstance:
    """One slice as written to staging: where, how big, its hash, its final UIDs and pixel location."""

    relative_path: str
    size: int
    sha256: str
    sop_instance_uid: str
    transfer_syntax_uid: str
    pixel_location: tuple[int, int] | None
    metadata: dict


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def new_staging_dir() -> Path:
    """A private folder under MEDIA_ROOT (same file system, so the final move is a rename)."""
    remove_stale_staging()
    path = media_root() / STAGING_FOLDER / uuid.uuid4().hex
    path.mkdir(parents=True)
    return path


def remove_stale_staging(max_age_seconds: float = STALE_STAGING_SECONDS) -> None:
    """Remove staging folders left by a killed worker (older than any import could take)."""
    root = media_root() / STAGING_FOLDER
    if not root.is_dir():
        return
    limit = time.time() - max_age_seconds
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)


def remove_staging_dir(path: Path) -> None:
    """Remove a staging folder and the staging parent if nothing else is in it."""
    shutil.rmtree(path, ignore_errors=True)
    try:
        path.parent.rmdir()
    except OSError:
        pass  # another import is staging at the same time


def case_storage_name(case_id: str) -> str:
    """A fresh folder name for a case, relative to MEDIA_ROOT (never reuses a leftover folder)."""
    return f"{CASES_FOLDER}/{case_id}-{uuid.uuid4().hex[:8]}"


def needs_rewrite(source: Path) -> bool:
    """True when a file must be re-encoded: no ``DICM`` preamble, so no file meta to serve."""
    with source.open("rb") as fh:
        return fh.read(132)[128:132] != b"DICM"


def stage_instance(
    record: SliceRecord,
    target: Path,
    staging_root: Path,
    *,
    series_uid: str | None = None,
    deidentify_as: tuple[str, str] | None = None,
) -> StoredInstance:
    """Copy (or rewrite, when UIDs or PHI must change) one file into staging and describe it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    copyable = record.frame is None and record.header is not None and not needs_rewrite(record.path)
    if series_uid is None and deidentify_as is None and copyable:
        data = record.path.read_bytes()
        target.write_bytes(data)
        return StoredInstance(
            relative_path=target.relative_to(staging_root).as_posix(),
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            sop_instance_uid=record.sop_instance_uid,
            transfer_syntax_uid=str(record.header.file_meta.TransferSyntaxUID),
            pixel_location=record.pixel_location,
            metadata=header_json(record.header),
        )
    if record.frame is not None:
        ds = single_frame_dataset(record.header, record.frame, stored_frames(record.path)[record.frame])
    else:
        ds = pydicom.dcmread(record.path, force=True)
        ensure_transfer_syntax(ds)
    if series_uid is not None:
        ds.SeriesInstanceUID = series_uid
    if deidentify_as is not None:
        deidentify(ds, case_id=deidentify_as[0], salt=deidentify_as[1])
    ds.save_as(target, enforce_file_format=True)
    return describe_file(target, staging_root)


def stored_frames(path: Path) -> np.ndarray:
    """Stored pixel values of every frame of a multi-frame file (its frames are staged one after another)."""
    stat = path.stat()
    return _decode_frames(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=1)
def _decode_frames(path: str, mtime_ns: int, size: int) -> np.ndarray:
    ds = pydicom.dcmread(path, force=True)
    ensure_transfer_syntax(ds)
    pixels = ds.pixel_array
    return pixels[np.newaxis] if pixels.ndim == 2 else pixels


def stored_frames_cache_clear() -> None:
    """Drop the decoded frames of the last multi-frame file (memory)."""
    _decode_frames.cache_clear()


def describe_file(path: Path, staging_root: Path) -> StoredInstance:
    """Hash, size, pixel-data location and DICOM JSON (without pixel data) of a staged file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    ds = pydicom.dcmread(path, defer_size=DEFER_SIZE)
    location = pixel_data_location(ds)
    return StoredInstance(
        relative_path=path.relative_to(staging_root).as_posix(),
        size=path.stat().st_size,
        sha256=digest.hexdigest(),
        sop_instance_uid=str(ds.SOPInstanceUID),
        transfer_syntax_uid=str(ds.file_meta.TransferSyntaxUID),
        pixel_location=location,
        metadata=header_json(ds),
    )


def header_json(ds: Dataset) -> dict:
    """DICOM JSON model of a header without PixelData (for the viewer's WADO-RS metadata)."""
    header = ds
    if "PixelData" in ds:
        header = ds.copy()
        del header.PixelData
    return header.to_json_dict(bulk_data_threshold=1 << 20, bulk_data_element_handler=lambda element: "")


def write_series_metadata(folder: Path, instances: list[StoredInstance]) -> Path:
    """Write the per-instance metadata list (in slice order) next to the slices."""
    path = folder / "metadata.json"
    path.write_text(json.dumps([i.metadata for i in instances], separators=(",", ":")))
    return path


def move_into_place(staged: Path, relative: str) -> Path:
    """Rename a staged case folder to its final place; refuse to overwrite anything."""
    final = media_root() / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        raise ImportFailed(relative, "storage folder already exists; refusing to overwrite it")
    os.rename(staged, final)
    return final


def remove_tree(path: Path) -> None:
    """Remove a moved case folder (rollback)."""
    shutil.rmtree(path, ignore_errors=True)
