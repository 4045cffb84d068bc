"""Voxel grids in DICOM patient coordinates (LPS, mm) and bounding-box helpers for fast rendering.

Arrays are (z, y, x). Axial orientation is fixed (ImageOrientationPatient 1\\0\\0\\0\\1\\0), so the slice normal
is +z and array index k lies at ``origin_z + k * dz``: index 0 is the most inferior slice, the order an importer
gets by sorting slices by position along the normal.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Point = tuple[float, float, float]  # (x, y, z) in mm


@dataclass(frozen=True)
class Grid:
    """A regular axial grid: shape and spacing (z, y, x), origin = centre of voxel (0, 0, 0) as (x, y, z)."""

    shape: tuple[int, int, int]
    spacing: tuple[float, float, float]
    origin: Point

    def axes(self, shift: Point = (0.0, 0.0, 0.0)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the z, y, x coordinate vectors in the patient's own frame (world minus the patient's shift)."""
        nz, ny, nx = self.shape
        dz, dy, dx = self.spacing
        x = self.origin[0] + dx * np.arange(nx) - shift[0]
        y = self.origin[1] + dy * np.arange(ny) - shift[1]
        z = self.origin[2] + dz * np.arange(nz) - shift[2]
        return z, y, x

    def box(self, lo: Point, hi: Point, shift: Point = (0.0, 0.0, 0.0)):
        """Return (index slices, Z, Y, X open grids) covering the patient-frame box [lo, hi], or None if empty."""
        z, y, x = self.axes(shift)
        slices = []
        coords = []
        for axis_coords, low, high in ((z, lo[2], hi[2]), (y, lo[1], hi[1]), (x, lo[0], hi[0])):
            start = int(np.searchsorted(axis_coords, low, side="left"))
            stop = int(np.searchsorted(axis_coords, high, side="right"))
            if stop <= start:
                return None
            slices.append(slice(start, stop))
            coords.append(axis_coords[start:stop].astype(np.float32))
        zz = coords[0][:, None, None]
        yy = coords[1][None, :, None]
        xx = coords[2][None, None, :]
        return tuple(slices), zz, yy, xx

    def affine_lps(self) -> np.ndarray:
        """Return the 4x4 matrix mapping (column i, row j, slice k, 1) to LPS (x, y, z, 1) in mm."""
        dz, dy, dx = self.spacing
        affine = np.diag([dx, dy, dz, 1.0])
        affine[:3, 3] = self.origin
        return affine

    def affine_ras(self) -> np.ndarray:
        """Return the NIfTI (RAS) affine for data stored as (i=x, j=y, k=z), as ITK/dcm2niix write it."""
        return np.diag([-1.0, -1.0, 1.0, 1.0]) @ self.affine_lps()


def ellipsoid_field(zz, yy, xx, centre: Point, radii: Point, exponent: float = 2.0) -> np.ndarray:
    """Return the (super-)ellipsoid level function: < 1 inside, 1 on the surface."""
    ax = np.abs((xx - centre[0]) / radii[0]) ** exponent
    ay = np.abs((yy - centre[1]) / radii[1]) ** exponent
    az = np.abs((zz - centre[2]) / radii[2]) ** exponent
    field = ax + ay + az
    return field if exponent == 2.0 else field ** (2.0 / exponent)


def segment_distance(zz, yy, xx, start: Point, end: Point) -> np.ndarray:
    """Return the distance (mm) of each grid point to the line segment start-end."""
    p0 = np.asarray(start, dtype=np.float32)
    d = np.asarray(end, dtype=np.float32) - p0
    length2 = max(float(d @ d), 1e-6)
    t = ((xx - p0[0]) * d[0] + (yy - p0[1]) * d[1] + (zz - p0[2]) * d[2]) / length2
    t = np.clip(t, 0.0, 1.0)
    return np.sqrt((xx - p0[0] - t * d[0]) ** 2 + (yy - p0[1] - t * d[1]) ** 2 + (zz - p0[2] - t * d[2]) ** 2)


def bounding_box(centre: Point, radii: Point, margin: float = 0.0) -> tuple[Point, Point]:
    lo = tuple(c - r - margin for c, r in zip(centre, radii))
    hi = tuple(c + r + margin for c, r in zip(centre, radii))
    return lo, hi
