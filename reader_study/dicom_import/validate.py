"""Read and validate one DICOM file: CT only, quantitative, decodable pixel data.

Compressed transfer syntaxes (JPEG-LS, JPEG 2000, RLE, JPEG lossless) decode
through the pylibjpeg plugins. Files without file meta information (or without
a transfer syntax in it) fall back to the encoding pydicom detected, which for
old exports is implicit VR little endian.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels import apply_modality_lut
from pydicom.uid import UID, ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from .errors import ImportFailed

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
ENHANCED_CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2.1"
LEGACY_CONVERTED_ENHANCED_CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2.2"
CT_SOP_CLASSES = {CT_IMAGE_STORAGE, ENHANCED_CT_IMAGE_STORAGE, LEGACY_CONVERTED_ENHANCED_CT_IMAGE_STORAGE}
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"
STRUCTURED_REPORT_PREFIX = "1.2.840.10008.5.1.4.1.1.88."
DEFER_SIZE = 2048  # leave pixel data on disk until it is decoded


def read_dataset(path: Path, display: str, *, defer: bool = True) -> Dataset:
    """Parse a file as DICOM (pixel data deferred); raise :class:`ImportFailed` if it does not parse."""
    try:
        ds = pydicom.dcmread(path, force=True, defer_size=DEFER_SIZE if defer else None)
        sop_instance = ds.get("SOPInstanceUID")
        sop_class = ds.get("SOPClassUID")
    except Exception as exc:  # noqa: BLE001 - any parser failure is reported as a broken file
        raise ImportFailed(display, f"claims to be DICOM but does not parse ({type(exc).__name__}: {exc})") from exc
    if not sop_instance or not sop_class:
        raise ImportFailed(display, "claims to be DICOM but does not parse (no SOPClassUID/SOPInstanceUID found)")
    ensure_transfer_syntax(ds)
    return ds


def ensure_transfer_syntax(ds: Dataset) -> None:
    """Give a file without (complete) file meta the transfer syntax it was actually read with."""
    meta = getattr(ds, "file_meta", None)
    if meta is None:
        meta = ds.file_meta = FileMetaDataset()
    if "TransferSyntaxUID" in meta:
        return
    implicit, little = getattr(ds, "original_encoding", (True, True))
    if implicit is None:  # pydicom could not tell: DICOM's default
        implicit, little = True, True
    if implicit:
        meta.TransferSyntaxUID = ImplicitVRLittleEndian
    else:
        meta.TransferSyntaxUID = ExplicitVRLittleEndian if little else ExplicitVRBigEndian
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID


def is_structured_report(ds: Dataset) -> bool:
    """A dose report or other SR: ignored (listed), never imported as images."""
    return ds.get("Modality") == "SR" or str(ds.SOPClassUID).startswith(STRUCTURED_REPORT_PREFIX)


def check_ct_image(ds: Dataset, display: str) -> None:
    """Accept CT Image Storage and Enhanced CT only; refuse screenshots and other modalities."""
    sop_class = str(ds.SOPClassUID)
    if sop_class.startswith(SECONDARY_CAPTURE_PREFIX):
        raise ImportFailed(
            display,
            f"Secondary Capture ({UID(sop_class).name}, Modality {ds.get('Modality', '?')}) is a screenshot, "
            "not quantitative CT; export the original CT series",
        )
    if ds.get("Modality") != "CT":
        raise ImportFailed(display, f"modality {ds.get('Modality', 'missing')!s}; only CT can be imported")
    if sop_class not in CT_SOP_CLASSES:
        raise ImportFailed(display, f"SOP class {UID(sop_class).name} is not CT Image Storage or Enhanced CT")
    if "PixelData" not in ds:
        raise ImportFailed(display, "no PixelData element (a header-only file); the image is missing")
    if ds.get("SamplesPerPixel", 1) != 1 or not str(ds.get("PhotometricInterpretation", "")).startswith("MONOCHROME"):
        raise ImportFailed(display, "not a greyscale (MONOCHROME) image, so it cannot hold Hounsfield units")


def decode_hu(ds: Dataset, display: str) -> np.ndarray:
    """Decode the pixel data and apply the rescale: Hounsfield units as float32 (frames, rows, cols)."""
    syntax = ds.file_meta.TransferSyntaxUID
    try:
        pixels = ds.pixel_array
        hu = apply_modality_lut(pixels, ds)
    except Exception as exc:  # noqa: BLE001 - decoder errors come in many types
        raise ImportFailed(
            display, f"pixel data cannot be decoded ({syntax.name}): {type(exc).__name__}: {exc}"
        ) from exc
    hu = np.asarray(hu, dtype=np.float32)
    return hu[np.newaxis] if hu.ndim == 2 else hu


def check_pixel_data(ds: Dataset, path: Path, display: str) -> None:
    """Make sure the pixel data can be read: size check for native encodings, a full decode otherwise.

    A native (uncompressed) value is just bytes, so checking its length against Rows x Columns x bits
    (and that the file really holds that many bytes) proves it readable without decoding every slice.
    """
    location = pixel_data_location(ds)
    if ds.file_meta.TransferSyntaxUID.is_compressed or location is None:
        decode_hu(ds, display)
        return
    offset, length = location
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    expected = int(ds.Rows) * int(ds.Columns) * frames * int(ds.get("BitsAllocated", 16)) // 8
    available = path.stat().st_size - offset
    if length < expected or available < expected:
        raise ImportFailed(
            display, f"pixel data cannot be decoded: {min(length, available)} bytes present, {expected} expected "
                     "(truncated or inconsistent file)",
        )


def pixel_data_location(ds: Dataset) -> tuple[int, int] | None:
    """Byte offset and length of the PixelData value in the file (for fast serving), if known."""
    raw = ds.get_item(0x7FE00010, keep_deferred=True)
    tell = getattr(raw, "value_tell", None)
    length = getattr(raw, "length", None)
    if tell is None or length is None or length == 0xFFFFFFFF:
        return None
    return int(tell), int(length)
