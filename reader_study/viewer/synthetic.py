"""A small, fast synthetic 4-phase CT study with case rows, for the viewer's tests and benchmarks.

The full phantom (``reader_study.phantom``) models anatomy and lesion classes; the viewer only needs known pixels
at known patient positions: each phase has its own z-origin (so slice sync must match positions, not indices),
slice ``k`` carries a marker whose HU encodes ``k``, and any phase can be stored JPEG-LS compressed. Files are
written with InstanceNumber counting down the slice normal, so ordering by InstanceNumber would be wrong.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, JPEGLSLossless, generate_uid

from reader_study.vocabulary import PHASES, Phase

PHASE_Z_OFFSET_MM = {Phase.PRE_CONTRAST: 0.0, Phase.ARTERIAL: -10.0, Phase.PORTAL_VENOUS: 0.0, Phase.DELAYED: 5.0}
PHASE_LIVER_HU = {Phase.PRE_CONTRAST: 55, Phase.ARTERIAL: 70, Phase.PORTAL_VENOUS: 110, Phase.DELAYED: 90}
PHASE_TUMOUR_HU = {Phase.PRE_CONTRAST: 35, Phase.ARTERIAL: 130, Phase.PORTAL_VENOUS: 80, Phase.DELAYED: 60}
INTERCEPT = -1024
PADDING_HU = -2000


@dataclass(frozen=True)
class SyntheticSeries:
    """One written phase: files in slice order (ascending along the normal), HU volume and masks."""

    phase: Phase
    series_uid: str
    files: list[Path]
    positions: list[float]
    hu: np.ndarray
    labelmap: np.ndarray
    transfer_syntax_uid: str
    spacing: float
    pixel_spacing: float


def phase_volume(phase: Phase, size: int, slices: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return an int16 HU volume (z, y, x) and its labelmap (0 background, 1 liver, 2 tumour)."""
    rng = np.random.default_rng(seed + PHASES.index(phase))
    y, x = np.mgrid[0:size, 0:size] / size
    body = ((x - 0.5) / 0.45) ** 2 + ((y - 0.5) / 0.38) ** 2 <= 1
    liver = ((x - 0.38) / 0.2) ** 2 + ((y - 0.45) / 0.16) ** 2 <= 1
    hu = np.full((slices, size, size), PADDING_HU, dtype=np.int16)
    labels = np.zeros((slices, size, size), dtype=np.uint8)
    for k in range(slices):
        tumour_r = 0.08 * max(0.0, 1 - abs(k - slices / 2) / (slices / 3))
        tumour = ((x - 0.36) ** 2 + (y - 0.45) ** 2 <= tumour_r**2) & liver
        image = np.where(body, 40, -1000).astype(np.int16) + rng.integers(-8, 9, (size, size), dtype=np.int16)
        image[liver] = PHASE_LIVER_HU[phase]
        image[tumour] = PHASE_TUMOUR_HU[phase]
        image[2:4, 2 : 4 + 2 * k] = 1000 + 10 * k  # slice marker: visible and readable as HU
        hu[k] = np.where(body | (image >= 1000), image, PADDING_HU)
        labels[k][liver] = 1
        labels[k][tumour] = 2
    return hu, labels


def _dataset(phase: Phase, hu_slice: np.ndarray, uids: dict[str, str], position: float, instance_number: int,
             pixel_spacing: float, spacing: float) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = uids["study"], uids["series"]
    ds.FrameOfReferenceUID = uids["for"]
    ds.Modality, ds.PatientID, ds.PatientName = "CT", "SYNTH", "Synthetic^Phantom"
    ds.StudyDate, ds.SeriesNumber, ds.InstanceNumber = "20260101", PHASES.index(phase) + 1, instance_number
    ds.SeriesDescription = phase.label
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.ImagePositionPatient = [0.0, 0.0, position]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [pixel_spacing, pixel_spacing]
    ds.SliceThickness = spacing
    ds.Rows, ds.Columns = hu_slice.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = INTERCEPT, 1, "HU"
    ds.WindowCenter, ds.WindowWidth = [60, 40], [160, 400]
    ds.PixelPaddingValue = PADDING_HU - INTERCEPT
    ds.PixelData = (hu_slice.astype(np.int32) - INTERCEPT).astype(np.int16).tobytes()
    return ds


def write_series(folder: Path, phase: Phase, hu: np.ndarray, labels: np.ndarray, uids: dict[str, str], *,
                 compressed: bool = False, syntax: str = JPEGLSLossless, spacing: float = 5.0,
                 pixel_spacing: float = 0.7) -> SyntheticSeries:
    """Write one phase as single-frame CT files (compressed to ``syntax`` when ``compressed``)."""
    folder.mkdir(parents=True, exist_ok=True)
    slices = hu.shape[0]
    positions = [PHASE_Z_OFFSET_MM[phase] + spacing * k for k in range(slices)]
    files = []
    for k in range(slices):
        ds = _dataset(phase, hu[k], uids, positions[k], slices - k, pixel_spacing, spacing)
        if compressed:
            ds.compress(syntax)
        path = folder / f"{ds.SOPInstanceUID}.dcm"
        ds.save_as(path, enforce_file_format=True)
        files.append(path)
    stored = syntax if compressed else ExplicitVRLittleEndian
    return SyntheticSeries(phase, uids["series"], files, positions, hu, labels, stored, spacing, pixel_spacing)


def write_study(
    folder: Path, *, size: int = 64, slices: int = 12, compressed: Iterable[Phase] = (), syntax: str = JPEGLSLossless,
    seed: int = 0, study_uid: str | None = None,
) -> dict[Phase, SyntheticSeries]:
    """Write four phases under ``folder/<phase>/`` (``compressed`` phases in ``syntax``); same ``seed``, same pixels."""
    compressed = set(compressed)
    study = study_uid or generate_uid()
    frame_of_reference = generate_uid()
    out = {}
    for phase in PHASES:
        hu, labels = phase_volume(phase, size, slices, seed)
        uids = {"study": study, "series": generate_uid(), "for": frame_of_reference}
        out[phase] = write_series(folder / phase.value, phase, hu, labels, uids, compressed=phase in compressed,
                                  syntax=syntax)
    return out


def register_study(case_id: str, folder: Path, media_root: Path, series: dict[Phase, SyntheticSeries]):
    """Create Case, ImagingStudy, Series and Instance rows for a written study (paths relative to MEDIA_ROOT)."""
    from reader_study.cases.models import Case, ImagingStudy, Instance, Series

    first = next(iter(series.values()))
    case = Case.objects.create(case_id=case_id, age=60, sex="M", cohort="internal_test",
                               imported_at=dt.datetime.now(dt.UTC))
    study = ImagingStudy.objects.create(case=case, study_instance_uid=_study_uid(first),
                                        storage_dir=str(folder.relative_to(media_root)))
    for phase, item in series.items():
        rows, columns = item.hu.shape[1:]
        row = Series.objects.create(
            study=study, phase=phase.value, series_instance_uid=item.series_uid, rows=rows, columns=columns,
            pixel_spacing=[item.pixel_spacing] * 2, slice_spacing=item.spacing, orientation=[1, 0, 0, 0, 1, 0],
            origin=[0.0, 0.0, item.positions[0]], slice_count=len(item.files),
            storage_dir=str(item.files[0].parent.relative_to(media_root)),
        )
        Instance.objects.bulk_create([
            Instance(series=row, sop_instance_uid=path.stem, index=k, position=item.positions[k],
                     image_position=[0.0, 0.0, item.positions[k]], instance_number=len(item.files) - k,
                     path=str(path.relative_to(media_root)), size=path.stat().st_size,
                     sha256=hashlib.sha256(path.read_bytes()).hexdigest(), transfer_syntax_uid=item.transfer_syntax_uid)
            for k, path in enumerate(item.files)
        ])
    return case


def _study_uid(item: SyntheticSeries) -> str:
    from pydicom import dcmread

    return str(dcmread(item.files[0], stop_before_pixels=True).StudyInstanceUID)


def write_overlays(folder: Path, series: dict[Phase, SyntheticSeries]) -> None:
    """Write contract-5 overlay npz files (labelmap + a heat map peaking on the tumour) per phase."""
    folder.mkdir(parents=True, exist_ok=True)
    for phase, item in series.items():
        heat = np.where(item.labelmap == 2, 255, np.where(item.labelmap == 1, 60, 0)).astype(np.uint8)
        np.savez_compressed(folder / f"{phase.value}.npz", labelmap=item.labelmap, heatmap=heat)
