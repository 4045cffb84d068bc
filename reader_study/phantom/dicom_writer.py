"""Writing a rendered case as one CT study of four classic single-frame series (data.md 3.5).

Nothing written here depends on the class: wording, timing, geometry and file names come from streams that never
see it. File names are random hex from the seeded ``files`` stream, so they reveal neither phase nor slice order.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, JPEGLSLossless, generate_uid

from reader_study.vocabulary import PHASES, Phase

from .grid import Grid
from .volume import PhantomCase

SAFETY_TEXT = "SYNTHETIC - NOT FOR CLINICAL USE"
STUDY_DESCRIPTION = f"CT LIVER 4-PHASE - {SAFETY_TEXT}"
DEIDENTIFICATION_METHOD = "Synthetic phantom - no real patient"
RESCALE_INTERCEPT = -1024

# Vendor wordings of the four series (NC, AP, PVP, DP) with a matching reconstruction kernel.
SERIES_WORDINGS: tuple[tuple[tuple[str, str, str, str], str], ...] = (
    (("Plain 5.0 B30f", "Arterial 5.0 B30f", "Venous 5.0 B30f", "Delay 5.0 B30f"), "B30f"),
    (("ABD NC", "LAP", "PVP 70s", "DELAY 180s"), "STANDARD"),
    (("Pre-contrast 5mm", "Arterial Phase 5mm", "Portal Venous Phase 5mm", "Delayed Phase 5mm"), "SOFT"),
    (("Non-contrast", "Late arterial", "Portal venous", "Delayed 3 min"), "FC08"),
    (("NC 5.0 Br40", "Arterial 5.0 Br40", "PVP 5.0 Br40", "Delay 5.0 Br40"), "Br40"),
    (("平扫 5mm", "动脉期 5mm", "门脉期 5mm", "延迟期 5mm"), "B"),
)
CONTRAST_AGENT = "Iohexol 350 mgI/mL"


def series_description(case: PhantomCase, phase: Phase) -> str:
    wording, _kernel = SERIES_WORDINGS[case.params.acquisition.wording % len(SERIES_WORDINGS)]
    return wording[PHASES.index(phase)]


def uid(case: PhantomCase, *parts: object) -> str:
    """Return a reproducible UID for (seed, case, parts)."""
    return generate_uid(entropy_srcs=["almss-phantom", str(case.params.seed), case.case_id, *map(str, parts)])


def _time(seconds: float) -> str:
    seconds = seconds % 86400
    return f"{int(seconds // 3600):02d}{int(seconds % 3600 // 60):02d}{seconds % 60:09.6f}"


def _patient_study(ds: Dataset, case: PhantomCase) -> None:
    params, acq = case.params, case.params.acquisition
    date = (dt.date(2020, 1, 1) + dt.timedelta(days=acq.study_day)).strftime("%Y%m%d")
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.PatientName = f"SYNTH^{case.case_id}"
    ds.PatientID = case.case_id
    ds.PatientBirthDate = ""
    ds.PatientSex = params.sex
    ds.PatientAge = f"{params.age:03d}Y"
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = DEIDENTIFICATION_METHOD
    ds.StudyInstanceUID = uid(case, "study")
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = date
    ds.StudyTime = _time(acq.start_seconds - 60.0)
    ds.StudyID = "1"
    ds.AccessionNumber = ""
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = STUDY_DESCRIPTION
    ds.FrameOfReferenceUID = uid(case, "frame-of-reference")
    ds.PositionReferenceIndicator = ""
    ds.Modality = "CT"
    ds.Manufacturer = "ALMSS synthetic phantom"
    ds.ManufacturerModelName = "reader_study.phantom"
    ds.BodyPartExamined = "ABDOMEN"
    ds.PatientPosition = "HFS"
    ds.ImageComments = SAFETY_TEXT


def _series(ds: Dataset, case: PhantomCase, phase: Phase) -> None:
    acq = case.params.acquisition
    index = PHASES.index(phase)
    grid: Grid = case.grids[phase]
    _wording, kernel = SERIES_WORDINGS[acq.wording % len(SERIES_WORDINGS)]
    ds.SeriesInstanceUID = uid(case, "series", phase.value)
    ds.SeriesNumber = 2 + index
    ds.SeriesDescription = series_description(case, phase)
    if not ds.SeriesDescription.isascii():
        ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SeriesTime = ds.AcquisitionTime = ds.ContentTime = _time(acq.start_seconds + acq.phase_delays[index])
    ds.AcquisitionNumber = 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = CTImageStorage
    ds.KVP = acq.kvp
    ds.ConvolutionKernel = kernel
    dz, dy, dx = grid.spacing
    ds.SliceThickness = dz
    ds.SpacingBetweenSlices = dz
    ds.PixelSpacing = [dy, dx]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.Rows, ds.Columns = grid.shape[1], grid.shape[2]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = RESCALE_INTERCEPT, 1, "HU"
    ds.WindowCenter, ds.WindowWidth = 40, 400
    if index > 0:
        injection = acq.start_seconds + acq.phase_delays[1] - 35.0
        ds.ContrastBolusAgent = CONTRAST_AGENT
        ds.ContrastBolusRoute = "IV"
        ds.ContrastBolusVolume = round(acq.contrast_volume_ml, 1)
        ds.ContrastBolusStartTime = _time(injection)
        ds.ContrastFlowRate = [acq.flow_rate]
        ds.ContrastBolusIngredient = "IODINE"
        ds.ContrastBolusIngredientConcentration = 350


def series_template(case: PhantomCase, phase: Phase) -> Dataset:
    """Return the attributes shared by every slice of one phase's series."""
    ds = Dataset()
    _patient_study(ds, case)
    _series(ds, case, phase)
    return ds


def slice_dataset(template: Dataset, case: PhantomCase, phase: Phase, k: int, compressed: bool) -> Dataset:
    """Return the complete file dataset of array slice ``k`` (ascending along the slice normal)."""
    grid = case.grids[phase]
    n_slices = grid.shape[0]
    ds = Dataset(template)  # shallow: per-slice attributes below are new elements, template ones are shared
    ds.SOPInstanceUID = uid(case, "instance", phase.value, k)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.InstanceNumber = n_slices - k  # head-first numbering: instance 1 is the most superior slice
    z = round(grid.origin[2] + k * grid.spacing[0], 4)
    ds.ImagePositionPatient = [grid.origin[0], grid.origin[1], z]
    ds.SliceLocation = z
    stored = (case.volumes[phase][k].astype(np.int32) - RESCALE_INTERCEPT).astype(np.uint16)
    ds.PixelData = stored.tobytes()
    if compressed:
        ds.compress(JPEGLSLossless, stored, encoding_plugin="pyjpegls", generate_instance_uid=False)
    return ds


def write_series(case: PhantomCase, phase: Phase, folder: Path, names: list[str], compressed: bool) -> list[Path]:
    """Write one phase as single-frame CT files; ``names`` gives one file name per slice."""
    template = series_template(case, phase)
    paths = []
    for k, name in enumerate(names):
        path = folder / name
        slice_dataset(template, case, phase, k, compressed).save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def write_study(case: PhantomCase, folder: Path, rng: np.random.Generator, compressed: dict[Phase, bool]) -> None:
    """Write the four series of a case into ``folder`` (flat) under random hex file names."""
    folder.mkdir(parents=True, exist_ok=True)
    for phase in PHASES:
        n_slices = case.grids[phase].shape[0]
        names = [f"{rng.bytes(8).hex()}.dcm" for _ in range(n_slices)]
        write_series(case, phase, folder, names, compressed.get(phase, False))
