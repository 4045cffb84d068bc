"""Reference masks as NIfTI on each phase's own grid.

Stored as ITK and dcm2niix do: data axes (i = column x, j = row y, k = slice z ascending along the normal) and a
RAS affine derived from the DICOM geometry, so ``load_mask_zyx`` returns the (z, y, x) array that matches a volume
built by sorting the slices by position along the slice normal.
"""
from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np

from .grid import Grid


def save_mask(path: Path, mask_zyx: np.ndarray, grid: Grid) -> None:
    """Write a uint8 label map (z, y, x) with the affine of ``grid``."""
    if mask_zyx.shape != grid.shape:
        raise ValueError(f"mask shape {mask_zyx.shape} does not match the grid {grid.shape}")
    image = nib.Nifti1Image(np.ascontiguousarray(mask_zyx.transpose(2, 1, 0)).astype(np.uint8), grid.affine_ras())
    image.set_qform(grid.affine_ras(), code=1)
    image.set_sform(grid.affine_ras(), code=1)
    image.header.set_xyzt_units("mm")
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(image, str(path))


def load_mask_zyx(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Return (mask (z, y, x) uint8, RAS affine) of a mask written by ``save_mask``."""
    image = nib.load(str(path))
    return np.asarray(image.dataobj, dtype=np.uint8).transpose(2, 1, 0), image.affine
