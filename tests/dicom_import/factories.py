"""Tiny synthetic 4-phase CT studies (16x16 px, a few slices) for importer tests.

``write_study`` writes one case folder; ``mutate`` lets a test break exactly one
thing (a tag, a position, the pixel data) to build the malformed-input corpus.
"""
from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from reader_study.vocabulary import PHASES, Phase

DESCRIPTIONS = {
    Phase.PRE_CONTRAST: "Plain 5.0 B30f",
    Phase.ARTERIAL: "Arterial 5.0 B30f",
    Phase.PORTAL_VENOUS: "Venous 5.0 B30f",
    Phase.DELAYED: "Delay 5.0 B30f",
}
TIMES = {Phase.PRE_CONTRAST: "100000", Phase.ARTERIAL: "100335", Phase.PORTAL_VENOUS: "100410",
         Phase.DELAYED: "100700"}
MANIFEST_COLUMNS = ("case_id", "age", "sex", "tumour_class", "origin", "pathology_type", "cohort")

Mutator = Callable[[Dataset, Phase, int], Dataset | None]


@dataclass
class StudyFiles:
    """What was written: file paths per phase and the HU volume per phase (z ascending along the normal)."""

    folder: Path
    case_id: str
    files: dict[Phase, list[Path]] = field(default_factory=dict)
    volumes: dict[Phase, np.ndarray] = field(default_factory=dict)
    series_uids: dict[Phase, str] = field(default_factory=dict)


def uid(*parts: object) -> str:
    return str(generate_uid(entropy_srcs=[str(p) for p in parts]))


def ct_dataset(*, case_id: str, phase: Phase, index: int, z: float, hu: np.ndarray, study_uid: str,
               series_uid: str, frame_uid: str, series_number: int, deidentified: bool = True) -> Dataset:
    """One axial CT slice at height ``z`` holding ``hu`` (int16 HU stored with intercept -1024)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = uid(series_uid, index)
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.Modality = "CT"
    ds.PatientName = f"SYNTH^{case_id}"
    ds.PatientID = case_id
    ds.PatientSex = "M"
    if deidentified:
        ds.PatientIdentityRemoved = "YES"
        ds.DeidentificationMethod = "Synthetic test data"
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.FrameOfReferenceUID = frame_uid
    ds.SeriesNumber = series_number
    ds.SeriesDescription = DESCRIPTIONS[phase]
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.AcquisitionNumber = 1
    ds.AcquisitionTime = ds.SeriesTime = TIMES[phase]
    if phase is not Phase.PRE_CONTRAST:
        ds.ContrastBolusAgent = "Iohexol 350 mgI/mL"
    ds.InstanceNumber = index + 1
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.ImagePositionPatient = [-6.0, -6.0, z]
    ds.PixelSpacing = [0.8, 0.8]
    ds.SliceThickness = 5.0
    ds.Rows, ds.Columns = hu.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = -1024
    ds.RescaleSlope = 1
    ds.PixelData = (hu.astype(np.int32) + 1024).astype("<u2").tobytes()
    return ds


def write_study(folder: Path, case_id: str = "C001", *, slices: int = 4, size: int = 16, seed: int = 0,
                phases: tuple[Phase, ...] = PHASES, mutate: Mutator | None = None,
                deidentified: bool = True) -> StudyFiles:
    """Write a 4-phase study to ``folder/<case_id>/dicom``; slices are stored top-down in shuffled file names."""
    rng = np.random.default_rng(seed)
    out = StudyFiles(folder=folder / case_id, case_id=case_id)
    dicom_dir = out.folder / "dicom"
    dicom_dir.mkdir(parents=True, exist_ok=True)
    study_uid, frame_uid = uid(case_id, seed, "study"), uid(case_id, seed, "frame")
    for number, phase in enumerate(phases, start=2):
        series_uid = uid(case_id, seed, phase.value)
        volume = rng.integers(-200, 300, size=(slices, size, size)).astype(np.int16)
        out.volumes[phase], out.series_uids[phase], out.files[phase] = volume, series_uid, []
        for k in range(slices):  # file k holds the slice k from the top: index slices - 1 - k
            z_index = slices - 1 - k
            ds = ct_dataset(case_id=case_id, phase=phase, index=k, z=-100.0 + 5.0 * z_index, hu=volume[z_index],
                            study_uid=study_uid, series_uid=series_uid, frame_uid=frame_uid,
                            series_number=number, deidentified=deidentified)
            if mutate is not None:
                ds = mutate(ds, phase, k) or ds
            path = dicom_dir / f"{phase.value[:3]}_{int(rng.integers(1e9)):09d}.dcm"
            ds.save_as(path, enforce_file_format=True)
            out.files[phase].append(path)
    return out


def manifest_row(case_id: str = "C001", **overrides: str) -> dict[str, str]:
    row = {"case_id": case_id, "age": "61", "sex": "M", "tumour_class": "HCC", "origin": "",
           "pathology_type": "HCC", "cohort": "train"}
    row.update(overrides)
    return row


def write_manifest(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = list(MANIFEST_COLUMNS) + sorted({k for row in rows for k in row} - set(MANIFEST_COLUMNS))
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def enhanced_ct(slices: list[Dataset]) -> Dataset:
    """Pack single-frame slices of one series into one Enhanced CT Image Storage file (functional groups)."""
    from pydicom.sequence import Sequence
    from pydicom.uid import EnhancedCTImageStorage

    first = slices[0]
    ds = Dataset()
    for element in first:
        if element.keyword not in {"ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "SliceThickness",
                                   "RescaleIntercept", "RescaleSlope", "InstanceNumber", "PixelData"}:
            ds.add(element)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = EnhancedCTImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid(first.SeriesInstanceUID, "enhanced")
    ds.NumberOfFrames = len(slices)
    shared = Dataset()
    shared.PlaneOrientationSequence = Sequence([Dataset()])
    shared.PlaneOrientationSequence[0].ImageOrientationPatient = first.ImageOrientationPatient
    shared.PixelMeasuresSequence = Sequence([Dataset()])
    shared.PixelMeasuresSequence[0].PixelSpacing = first.PixelSpacing
    shared.PixelMeasuresSequence[0].SliceThickness = first.SliceThickness
    shared.PixelValueTransformationSequence = Sequence([Dataset()])
    shared.PixelValueTransformationSequence[0].RescaleIntercept = first.RescaleIntercept
    shared.PixelValueTransformationSequence[0].RescaleSlope = first.RescaleSlope
    shared.PixelValueTransformationSequence[0].RescaleType = "HU"
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    frames = []
    for single in slices:
        item = Dataset()
        item.PlanePositionSequence = Sequence([Dataset()])
        item.PlanePositionSequence[0].ImagePositionPatient = single.ImagePositionPatient
        item.FrameContentSequence = Sequence([Dataset()])
        item.FrameContentSequence[0].FrameAcquisitionNumber = 1
        item.FrameContentSequence[0].FrameAcquisitionDateTime = "20240101" + str(single.AcquisitionTime)
        frames.append(item)
    ds.PerFrameFunctionalGroupsSequence = Sequence(frames)
    ds.PixelData = b"".join(single.PixelData for single in slices)
    return ds
