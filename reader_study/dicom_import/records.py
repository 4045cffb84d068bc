"""The per-file facts the importer needs, pulled out of a DICOM header once."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydicom.dataset import Dataset


@dataclass(frozen=True)
class SliceRecord:
    """One DICOM file as the grouping, geometry and phase logic see it (no pixels)."""

    path: Path
    display: str
    study_uid: str
    series_uid: str
    sop_instance_uid: str
    sop_class_uid: str
    modality: str
    series_number: int | None
    series_description: str
    image_type: tuple[str, ...]
    acquisition_number: int | None
    acquisition_time: str
    series_time: str
    contrast_agent: str
    contrast_start_time: str
    instance_number: int | None
    orientation: tuple[float, ...] | None
    position: tuple[float, ...] | None
    pixel_spacing: tuple[float, ...] | None
    slice_thickness: float | None
    rows: int
    columns: int
    frame_of_reference_uid: str
    patient_id: str
    patient_sex: str = ""
    frames: int = 1
    pixel_location: tuple[int, int] | None = None
    frame: int | None = None  # frame of an Enhanced CT file this slice comes from
    header: Dataset | None = field(default=None, compare=False, repr=False)

    @property
    def is_localizer(self) -> bool:
        return "LOCALIZER" in self.image_type

    @property
    def is_secondary_reformat(self) -> bool:
        """DERIVED\\SECONDARY images (MPRs, MIPs) are not acquired axial slices."""
        return "DERIVED" in self.image_type and ("SECONDARY" in self.image_type or "REFORMATTED" in self.image_type)


def _number(value, kind=float):
    if value is None or value == "":
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        return None


def _floats(value) -> tuple[float, ...] | None:
    if value is None or value == "":
        return None
    try:
        return tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None


def record_from_dataset(
    path: Path, display: str, ds: Dataset, *, pixel_location: tuple[int, int] | None = None, keep_header: bool = False
) -> SliceRecord:
    """Build a :class:`SliceRecord` from a parsed header (missing tags become ``None`` / empty).

    ``keep_header`` keeps the header (pixel data removed) so that storing the file needs no second parse.
    """
    header = None
    if keep_header:
        header = ds
        if "PixelData" in header:
            del header.PixelData
    return SliceRecord(
        path=path,
        display=display,
        study_uid=str(ds.get("StudyInstanceUID", "")),
        series_uid=str(ds.get("SeriesInstanceUID", "")),
        sop_instance_uid=str(ds.SOPInstanceUID),
        sop_class_uid=str(ds.SOPClassUID),
        modality=str(ds.get("Modality", "")),
        series_number=_number(ds.get("SeriesNumber"), int),
        series_description=str(ds.get("SeriesDescription", "") or "").strip(),
        image_type=tuple(str(v).strip().upper() for v in (ds.get("ImageType") or ())),
        acquisition_number=_number(ds.get("AcquisitionNumber"), int),
        acquisition_time=str(ds.get("AcquisitionTime", "") or ""),
        series_time=str(ds.get("SeriesTime", "") or ""),
        contrast_agent=str(ds.get("ContrastBolusAgent", "") or "").strip(),
        contrast_start_time=str(ds.get("ContrastBolusStartTime", "") or ""),
        instance_number=_number(ds.get("InstanceNumber"), int),
        orientation=_floats(ds.get("ImageOrientationPatient")),
        position=_floats(ds.get("ImagePositionPatient")),
        pixel_spacing=_floats(ds.get("PixelSpacing")),
        slice_thickness=_number(ds.get("SliceThickness")),
        rows=int(ds.get("Rows", 0) or 0),
        columns=int(ds.get("Columns", 0) or 0),
        frame_of_reference_uid=str(ds.get("FrameOfReferenceUID", "") or ""),
        patient_id=str(ds.get("PatientID", "") or ""),
        patient_sex=str(ds.get("PatientSex", "") or "").strip(),
        frames=_number(ds.get("NumberOfFrames"), int) or 1,
        pixel_location=pixel_location,
        header=header,
    )


def seconds_of_day(value: str) -> float | None:
    """Parse a DICOM TM (HHMMSS.FFFFFF, parts optional) to seconds since midnight."""
    text = (value or "").strip().replace(":", "")
    if not text:
        return None
    try:
        hours = int(text[0:2])
        minutes = int(text[2:4]) if len(text) >= 4 else 0
        seconds = float(text[4:]) if len(text) > 4 else 0.0
    except ValueError:
        return None
    return hours * 3600 + minutes * 60 + seconds
