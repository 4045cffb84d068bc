"""Enhanced (multi-frame) CT: one record per frame, and each frame stored as a classic single-frame slice.

Enhanced CT keeps the per-slice geometry in functional groups (per-frame, falling
back to shared). The importer treats every frame as a slice, so sorting, gaps and
phase splitting work exactly as for classic CT, and stores each frame as a CT
Image Storage file with a derived SOPInstanceUID, which every viewer and the
rest of the platform (one Instance per slice) understand.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from .records import SliceRecord, record_from_dataset

ENHANCED_CT_CLASSES = {"1.2.840.10008.5.1.4.1.1.2.1", "1.2.840.10008.5.1.4.1.1.2.2"}  # Enhanced, Legacy Converted
FUNCTIONAL_GROUPS = ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence")


def is_enhanced(ds: Dataset) -> bool:
    return str(ds.SOPClassUID) in ENHANCED_CT_CLASSES


def frame_count(ds: Dataset) -> int:
    return int(ds.get("NumberOfFrames", 1) or 1)


def group_item(ds: Dataset, frame: int, sequence: str) -> Dataset | None:
    """The first item of a functional-group macro for ``frame`` (per-frame first, then shared)."""
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if per_frame and frame < len(per_frame) and per_frame[frame].get(sequence):
        return per_frame[frame].get(sequence)[0]
    shared = ds.get("SharedFunctionalGroupsSequence")
    if shared and shared[0].get(sequence):
        return shared[0].get(sequence)[0]
    return None


def frame_sop_uid(sop_instance_uid: str, frame: int) -> str:
    return str(generate_uid(entropy_srcs=[sop_instance_uid, "frame", str(frame)]))


def frame_attributes(ds: Dataset, frame: int) -> Dataset:
    """Classic single-frame attributes of one frame (geometry, rescale, timing, frame type)."""
    out = Dataset()
    for sequence, keywords in (
        ("PlanePositionSequence", ("ImagePositionPatient",)),
        ("PlaneOrientationSequence", ("ImageOrientationPatient",)),
        ("PixelMeasuresSequence", ("PixelSpacing", "SliceThickness", "SpacingBetweenSlices")),
        ("PixelValueTransformationSequence", ("RescaleIntercept", "RescaleSlope", "RescaleType")),
        ("FrameVOILUTSequence", ("WindowCenter", "WindowWidth")),
        ("CTImageFrameTypeSequence", ("FrameType",)),
    ):
        item = group_item(ds, frame, sequence)
        for keyword in keywords:
            if item is not None and keyword in item:
                setattr(out, "ImageType" if keyword == "FrameType" else keyword, item.get(keyword))
    content = group_item(ds, frame, "FrameContentSequence")
    if content is not None:
        if "FrameAcquisitionNumber" in content:
            out.AcquisitionNumber = content.FrameAcquisitionNumber
        stamp = str(content.get("FrameAcquisitionDateTime", "") or "")
        if len(stamp) > 8:
            out.AcquisitionTime = stamp[8:]
    out.SOPInstanceUID = frame_sop_uid(str(ds.SOPInstanceUID), frame)
    out.InstanceNumber = frame + 1
    return out


def frame_records(path: Path, display: str, ds: Dataset) -> list[SliceRecord]:
    """One :class:`SliceRecord` per frame; ``header`` keeps the multi-frame header for storing."""
    header = ds.copy()
    if "PixelData" in header:
        del header.PixelData
    records = []
    for frame in range(frame_count(ds)):
        view = Dataset()
        view.update(header)
        view.update(frame_attributes(header, frame))
        view.SOPClassUID = CTImageStorage
        record = record_from_dataset(path, f"{display} frame {frame + 1}", view)
        records.append(dataclasses.replace(record, frame=frame, header=header, frames=1))
    return records


def single_frame_dataset(header: Dataset, frame: int, stored: np.ndarray) -> Dataset:
    """A CT Image Storage dataset for one frame, with its stored (not rescaled) pixel values."""
    ds = Dataset()
    for element in header:
        if element.keyword not in FUNCTIONAL_GROUPS and element.keyword not in ("NumberOfFrames", "PixelData"):
            ds.add(element)
    ds.update(frame_attributes(header, frame))
    ds.SOPClassUID = CTImageStorage
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PixelData = np.ascontiguousarray(stored).astype(stored.dtype.newbyteorder("<")).tobytes()
    return ds
