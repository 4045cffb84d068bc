"""Slice order and geometric consistency of one series.

Slices are sorted along the slice normal, ``cross(row direction, column
direction) · ImagePositionPatient``, never by file name or InstanceNumber, so
stacks stored upside down (negative row direction) or numbered inferior to
superior come out in the same physical order. A stack that is not a regular
grid (duplicate positions, a gap, uneven spacing, changing orientation, pixel
spacing or size) is refused rather than silently stacked.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import ImportFailed
from .records import SliceRecord

ORIENTATION_TOLERANCE = 1e-3
DUPLICATE_TOLERANCE_MM = 0.01
SPACING_RELATIVE_TOLERANCE = 0.02
SPACING_ABSOLUTE_TOLERANCE_MM = 0.01


@dataclass(frozen=True)
class StackGeometry:
    """A sorted, regular stack: slice ``k`` sits at ``origin + k * slice_spacing * normal``."""

    slices: tuple[SliceRecord, ...]
    positions: tuple[float, ...]
    orientation: tuple[float, ...]
    normal: tuple[float, float, float]
    pixel_spacing: tuple[float, float]
    slice_spacing: float
    rows: int
    columns: int

    @property
    def origin(self) -> tuple[float, ...]:
        return self.slices[0].position  # type: ignore[return-value]

    @property
    def direction(self) -> np.ndarray:
        """3x3 matrix whose columns are the x (along a row), y (down a column) and slice axes."""
        row, col = np.array(self.orientation[:3]), np.array(self.orientation[3:])
        return np.stack([row, col, np.array(self.normal)], axis=1)


def slice_normal(orientation: Sequence[float]) -> np.ndarray:
    """Unit normal of the image plane, ``cross(row direction, column direction)``."""
    row, col = np.asarray(orientation[:3], dtype=float), np.asarray(orientation[3:6], dtype=float)
    normal = np.cross(row, col)
    norm = np.linalg.norm(normal)
    if norm < 1e-6:
        raise ValueError("ImageOrientationPatient row and column directions are parallel")
    return normal / norm


def sort_stack(records: Sequence[SliceRecord], series_name: str) -> StackGeometry:
    """Sort the slices of one series along the normal and check that they form a regular grid."""
    first = records[0]
    for record in records:
        _check_required(record)
        _check_same(record, first, series_name)
    normal = slice_normal(first.orientation)
    projected = sorted(((float(np.dot(normal, r.position)), r) for r in records), key=lambda item: item[0])
    positions = [p for p, _ in projected]
    ordered = [r for _, r in projected]
    spacing = _check_spacing(positions, ordered, series_name, first.slice_thickness)
    return StackGeometry(
        slices=tuple(ordered),
        positions=tuple(positions),
        orientation=tuple(first.orientation),
        normal=tuple(float(v) for v in normal),
        pixel_spacing=(first.pixel_spacing[0], first.pixel_spacing[1]),
        slice_spacing=spacing,
        rows=first.rows,
        columns=first.columns,
    )


def _check_required(record: SliceRecord) -> None:
    missing = [
        name
        for name, value in (
            ("ImageOrientationPatient", record.orientation),
            ("ImagePositionPatient", record.position),
            ("PixelSpacing", record.pixel_spacing),
        )
        if value is None
    ]
    if missing:
        raise ImportFailed(record.display, f"missing {', '.join(missing)}; the slice cannot be placed in 3-D")
    if len(record.orientation) != 6 or len(record.position) != 3 or len(record.pixel_spacing) != 2:
        raise ImportFailed(record.display, "malformed ImageOrientationPatient, ImagePositionPatient or PixelSpacing")
    if record.rows <= 0 or record.columns <= 0:
        raise ImportFailed(record.display, "Rows/Columns missing or zero")


def _check_same(record: SliceRecord, first: SliceRecord, series_name: str) -> None:
    if not np.allclose(record.orientation, first.orientation, atol=ORIENTATION_TOLERANCE):
        raise ImportFailed(
            record.display,
            f"orientation {record.orientation} differs from {first.orientation} of {first.display} "
            f"in series {series_name}",
        )
    if not np.allclose(record.pixel_spacing, first.pixel_spacing, rtol=1e-4, atol=1e-4):
        raise ImportFailed(
            record.display,
            f"pixel spacing {record.pixel_spacing} differs from {first.pixel_spacing} of {first.display} "
            f"in series {series_name}",
        )
    if (record.rows, record.columns) != (first.rows, first.columns):
        raise ImportFailed(
            record.display,
            f"image size {record.rows}x{record.columns} differs from {first.rows}x{first.columns} "
            f"of {first.display} in series {series_name}",
        )


def _check_spacing(
    positions: list[float], ordered: list[SliceRecord], series_name: str, thickness: float | None
) -> float:
    """Return the slice spacing; raise on duplicates, gaps or uneven spacing."""
    if len(positions) == 1:
        return float(thickness) if thickness else 1.0
    diffs = np.diff(positions)
    for k, diff in enumerate(diffs):
        if diff < DUPLICATE_TOLERANCE_MM:
            raise ImportFailed(
                ordered[k + 1].display,
                f"duplicate slice position {positions[k + 1]:.2f} mm along the normal (same as "
                f"{ordered[k].display}) in series {series_name}",
            )
    expected = float(np.median(diffs))
    tolerance = max(SPACING_RELATIVE_TOLERANCE * expected, SPACING_ABSOLUTE_TOLERANCE_MM)
    for k, diff in enumerate(diffs):
        if abs(diff - expected) <= tolerance:
            continue
        ratio = diff / expected
        between = f"between {ordered[k].display} ({positions[k]:.2f} mm) and {ordered[k + 1].display} " \
                  f"({positions[k + 1]:.2f} mm)"
        if ratio > 1.5 and abs(ratio - round(ratio)) < 0.1:
            problem = f"gap in slice positions: {round(ratio) - 1} missing slice(s) {between}"
        else:
            problem = f"inconsistent slice spacing {diff:.2f} mm (expected {expected:.2f} mm) {between}"
        raise ImportFailed(ordered[k + 1].display, f"{problem} in series {series_name}")
    return expected
