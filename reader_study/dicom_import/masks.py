"""Reference masks (NIfTI, 0 background / 1 liver / 2 tumour) on a series' voxel grid.

A mask is accepted in any axis order or flip as long as its affine describes the
series grid; it is reoriented with nibabel's orientation tools to (x, y, z) =
(column, row, slice index along the normal) and returned as (z, y, x), the
order of :func:`reader_study.cases.volumes.load_series_volume`.
"""
from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
from nibabel.orientations import apply_orientation, io_orientation, ornt_transform

from .errors import ImportFailed
from .geometry import StackGeometry

LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])
MASK_LABELS = {0, 1, 2}


def _whole_numbers(data: np.ndarray) -> bool:
    return np.issubdtype(data.dtype, np.integer) or bool(np.all(np.mod(data, 1) == 0))


def grid_affine(orientation, pixel_spacing, slice_spacing: float, normal, origin) -> np.ndarray:
    """RAS affine of voxel (column, row, slice) for a DICOM stack (NIfTI convention)."""
    row_dir, col_dir = np.asarray(orientation[:3], float), np.asarray(orientation[3:6], float)
    lps = np.eye(4)
    lps[:3, 0] = row_dir * float(pixel_spacing[1])
    lps[:3, 1] = col_dir * float(pixel_spacing[0])
    lps[:3, 2] = np.asarray(normal, float) * float(slice_spacing)
    lps[:3, 3] = np.asarray(origin, float)
    return LPS_TO_RAS @ lps


def geometry_affine(geometry: StackGeometry) -> np.ndarray:
    return grid_affine(geometry.orientation, geometry.pixel_spacing, geometry.slice_spacing, geometry.normal,
                       geometry.origin)


def read_mask(path: Path, expected_affine: np.ndarray, shape_zyx: tuple[int, int, int], display: str) -> np.ndarray:
    """Load a mask, reorient it to the series grid and return uint8 (z, y, x); raise if it does not fit."""
    try:
        image = nib.load(str(path))
        data = np.asanyarray(image.dataobj)
    except Exception as exc:  # noqa: BLE001 - nibabel raises many types for broken files
        raise ImportFailed(display, f"mask cannot be read as NIfTI ({exc})") from exc
    if data.ndim != 3:
        raise ImportFailed(display, f"mask has {data.ndim} dimensions; expected 3")
    transform = ornt_transform(io_orientation(image.affine), io_orientation(expected_affine))
    data = apply_orientation(data, transform)
    zyx = np.ascontiguousarray(np.transpose(data, (2, 1, 0)))
    if zyx.shape != tuple(shape_zyx):
        raise ImportFailed(display, f"mask shape (z,y,x) {zyx.shape} does not match the series {tuple(shape_zyx)}")
    if not np.issubdtype(zyx.dtype, np.number) or zyx.min() < 0 or zyx.max() > 2 or not _whole_numbers(zyx):
        raise ImportFailed(display, f"mask labels {sorted(set(np.unique(zyx).tolist()))[:10]}; expected 0 "
                                    "background, 1 liver, 2 tumour")
    return zyx.astype(np.uint8)
