"""DICOMweb (WADO-RS subset) building blocks, free of Django: metadata, pixel-data location, frames, multipart.

The viewer asks for three things per series: the metadata of every instance (so slice positions are known before
any pixels arrive), the frames (pixel data only, compressed frames passed through unchanged) and, for download,
the whole Part-10 file. Frames are read with one ``pread`` at the pixel-data offset the importer recorded (or that
:func:`locate_pixel_data` finds once), so no request parses a DICOM file.
"""
from __future__ import annotations

import json
import os
import secrets
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydicom import dcmread
from pydicom.encaps import generate_frames

PIXEL_DATA_TAG_BYTES = b"\xe0\x7f\x10\x00"
IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
BIG_ENDIAN = "1.2.840.10008.1.2.2"
UNDEFINED_LENGTH = 0xFFFFFFFF
NATIVE_SYNTAXES = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"}
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
# Media types of compressed frames (PS3.18 table 8.7.3-5); the loader also reads the transfer-syntax parameter.
COMPRESSED_MEDIA_TYPES = {
    "1.2.840.10008.1.2.4.50": "image/jpeg",
    "1.2.840.10008.1.2.4.51": "image/jpeg",
    "1.2.840.10008.1.2.4.57": "image/jll",
    "1.2.840.10008.1.2.4.70": "image/jll",
    "1.2.840.10008.1.2.4.80": "image/jls",
    "1.2.840.10008.1.2.4.81": "image/jls",
    "1.2.840.10008.1.2.4.90": "image/jp2",
    "1.2.840.10008.1.2.4.91": "image/jp2",
    "1.2.840.10008.1.2.4.201": "image/jphc",
    "1.2.840.10008.1.2.4.202": "image/jphc",
    "1.2.840.10008.1.2.4.203": "image/jphc",
    "1.2.840.10008.1.2.5": "image/x-dicom-rle",
}


class FrameNotFound(LookupError):
    """The requested frame number does not exist in the instance."""


@dataclass(frozen=True)
class PixelDataLocation:
    """Where the Pixel Data value of a file lies; ``length`` is None for encapsulated (undefined length) data."""

    offset: int
    length: int | None
    transfer_syntax_uid: str
    number_of_frames: int = 1


def locate_pixel_data(path: str | os.PathLike) -> PixelDataLocation:
    """Find the pixel-data value offset without reading the pixels (one header parse per file).

    ``dcmread(stop_before_pixels=True)`` leaves the file at the Pixel Data element; its header is decoded here
    (little endian; explicit VR: tag, VR, 2 reserved bytes, 4-byte length; implicit VR: tag, 4-byte length).
    """
    with open(path, "rb") as handle:
        ds = dcmread(handle, stop_before_pixels=True)
        element_start = handle.tell()
        header = handle.read(12)
    transfer_syntax = str(ds.file_meta.TransferSyntaxUID)
    if transfer_syntax == BIG_ENDIAN or header[:4] != PIXEL_DATA_TAG_BYTES:
        raise FrameNotFound(f"{Path(path).name}: no little-endian Pixel Data element found")
    if transfer_syntax == IMPLICIT_VR_LITTLE_ENDIAN:
        length, value_offset = struct.unpack("<I", header[4:8])[0], element_start + 8
    else:
        length, value_offset = struct.unpack("<I", header[8:12])[0], element_start + 12
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    return PixelDataLocation(value_offset, None if length == UNDEFINED_LENGTH else length, transfer_syntax, frames)


def read_frame(path: str | os.PathLike, location: PixelDataLocation, frame_number: int) -> bytes:
    """Return frame ``frame_number`` (1-based): native bytes are sliced, encapsulated fragments are joined."""
    if not 1 <= frame_number <= location.number_of_frames:
        raise FrameNotFound(f"frame {frame_number} of {location.number_of_frames}")
    with open(path, "rb") as handle:
        if location.transfer_syntax_uid in NATIVE_SYNTAXES:
            frame_bytes = (location.length or 0) // location.number_of_frames
            handle.seek(location.offset + (frame_number - 1) * frame_bytes)
            return handle.read(frame_bytes)
        handle.seek(location.offset)
        value = handle.read(location.length) if location.length is not None else handle.read()
    for index, frame in enumerate(generate_frames(value, number_of_frames=location.number_of_frames), start=1):
        if index == frame_number:
            return frame
    raise FrameNotFound(f"frame {frame_number} not in the encapsulated pixel data")


def frame_media_type(transfer_syntax_uid: str) -> str:
    """Return the part Content-Type of a frame, with its transfer-syntax parameter (what the loader decodes by)."""
    if transfer_syntax_uid in NATIVE_SYNTAXES:
        return f"application/octet-stream; transfer-syntax={EXPLICIT_VR_LITTLE_ENDIAN}"
    media = COMPRESSED_MEDIA_TYPES.get(transfer_syntax_uid, "application/octet-stream")
    return f"{media}; transfer-syntax={transfer_syntax_uid}"


def multipart_related(parts: Iterable[tuple[str, bytes]]) -> tuple[bytes, str]:
    """Encode ``(content type, body)`` parts as multipart/related; return the body and the response Content-Type."""
    boundary = secrets.token_hex(16)
    chunks: list[bytes] = []
    part_types = []
    for content_type, body in parts:
        part_types.append(content_type.split(";")[0])
        chunks.append(f"--{boundary}\r\nContent-Type: {content_type}\r\n\r\n".encode("ascii"))
        chunks.append(body)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode("ascii"))
    outer = f'multipart/related; type="{part_types[0] if part_types else "application/octet-stream"}"; '
    return b"".join(chunks), f"{outer}boundary={boundary}"


def instance_metadata(path: str | os.PathLike) -> dict:
    """Return the DICOM JSON of one instance without pixel data, with its transfer syntax (0002,0010)."""
    ds = dcmread(path, stop_before_pixels=True)
    data = ds.to_json_dict(bulk_data_threshold=1 << 20, bulk_data_element_handler=lambda _element: "")
    data["00020010"] = {"vr": "UI", "Value": [str(ds.file_meta.TransferSyntaxUID)]}
    for key in [k for k, v in data.items() if "BulkDataURI" in v or "InlineBinary" in v]:
        del data[key]
    return data


def series_metadata(paths: Sequence[str | os.PathLike]) -> list[dict]:
    """Return the DICOM JSON array of a series in the given (slice) order."""
    return [instance_metadata(p) for p in paths]


def is_dicom_json_series(value: object) -> bool:
    """Check that a cached metadata file holds a DICOM JSON array (one object per instance with a SOP UID)."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and "00080018" in v for v in value)


def dumps_dicom_json(value: list[dict]) -> bytes:
    """Serialise DICOM JSON compactly."""
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def sop_instance_uid(item: dict) -> str | None:
    """Return the SOP Instance UID of a DICOM JSON object."""
    values = item.get("00080018", {}).get("Value") or [None]
    return values[0]
