"""Background anatomy: body wall, spine, vessels, liver, spleen, kidneys, bowel, lungs as analytic shapes.

Shapes live in the patient's own frame (LPS mm, body centred at x = y = 0, liver centre at z = 0); cylinders
(body, spine, aorta, IVC) are rendered in 2D once and broadcast along z, 3D organs only inside their bounding boxes,
so a 512 x 512 x 64 phase renders in about a second.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .attenuation import Tissue
from .grid import Grid, Point, bounding_box, ellipsoid_field, segment_distance

Ellipsoid = tuple[Point, Point, float]  # centre, radii, exponent


@dataclass(frozen=True)
class AnatomyParams:
    """One patient's body: sizes in mm, liver as a union of super-ellipsoids deformed by smooth waves."""

    body_radii: tuple[float, float]
    fat_mm: float
    muscle_mm: float
    liver_parts: tuple[Ellipsoid, ...]
    liver_waves: np.ndarray  # (n, 7): kx, ky, kz, phase x, phase y, phase z, amplitude
    nodularity: float
    spleen: Ellipsoid
    ascites: bool
    bowel_waves: np.ndarray  # (n, 7) like liver_waves, shorter wavelengths
    dents: tuple[tuple[float, float, float, float, float], ...] = ()  # capsular retraction: x, y, z, radius, depth

    @property
    def cavity(self) -> tuple[float, float]:
        wall = self.fat_mm + self.muscle_mm
        return self.body_radii[0] - wall, self.body_radii[1] - wall

    @property
    def spine_y(self) -> float:
        return 0.62 * self.cavity[1]

    @property
    def liver_box(self) -> tuple[Point, Point]:
        los, his = zip(*(bounding_box(c, r, margin=6.0) for c, r, _e in self.liver_parts))
        return tuple(np.min(los, axis=0)), tuple(np.max(his, axis=0))

    @property
    def liver_top(self) -> float:
        return max(c[2] + r[2] for c, r, _e in self.liver_parts)

    @property
    def ivc(self) -> tuple[Point, Point]:
        return (-24.0, self.spine_y - 32.0, 0.0), (13.0, 10.0, 0.0)


def sample_anatomy(rng: np.random.Generator, female: bool, cirrhotic: bool, nodular: bool, ascites: bool):
    """Draw a body habitus and liver shape; the class only enters through cirrhosis-type extras."""
    scale = 0.93 if female else 1.0
    a, b = rng.uniform(135, 170) * scale, rng.uniform(95, 128) * scale
    fat, muscle = rng.uniform(10, 35), rng.uniform(8, 14)
    ai, bi = a - fat - muscle, b - fat - muscle
    s = rng.uniform(0.92, 1.08)
    right = 0.85 if cirrhotic else 1.0
    caudate = 1.35 if cirrhotic else 1.0
    parts = (
        ((-0.42 * ai, -0.05 * bi, 0.0), (0.50 * ai * s * right, 0.74 * bi * s, 78.0 * s), 2.6),
        ((0.10 * ai, -0.50 * bi, 25.0), (0.40 * ai * s, 0.30 * bi * s, 42.0 * s), 2.2),
        ((-0.12 * ai, 0.22 * bi, 15.0), (0.14 * ai * caudate, 0.20 * bi * caudate, 38.0 * caudate), 2.0),
    )
    waves = np.column_stack([
        rng.uniform(0.01, 0.04, size=(4, 3)), rng.uniform(0, 2 * np.pi, size=(4, 3)), rng.uniform(0.04, 0.10, 4),
    ])
    spleen_scale = 1.35 if cirrhotic else rng.uniform(0.9, 1.1)
    spleen = ((0.62 * ai, 0.38 * bi, 20.0), (38.0 * spleen_scale, 55.0 * spleen_scale, 50.0 * spleen_scale), 2.0)
    nodularity = rng.uniform(0.05, 0.09) if nodular else 0.0
    bowel = np.column_stack([
        rng.uniform(0.06, 0.14, size=(4, 3)), rng.uniform(0, 2 * np.pi, size=(4, 3)), np.full(4, 0.5),
    ])
    return AnatomyParams((a, b), fat, muscle, parts, waves, nodularity, spleen, ascites, bowel)


def liver_field(params: AnatomyParams, zz, yy, xx) -> np.ndarray:
    """Return the liver level function (< 0 inside) on broadcastable coordinate arrays."""
    field = None
    for centre, radii, exponent in params.liver_parts:
        part = ellipsoid_field(zz, yy, xx, centre, radii, exponent)
        field = part if field is None else np.minimum(field, part)
    field = field - 1.0 - _wave_sum(params.liver_waves, zz, yy, xx)
    for cx, cy, cz, radius, depth in params.dents:
        field = field + depth * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2 + (zz - cz) ** 2) / radius**2)
    if params.nodularity:
        field = field - params.nodularity * np.sin(0.45 * xx) * np.sin(0.45 * yy + 1.0) * np.sin(0.3 * zz + 2.0)
    return field


def portal_tree(params: AnatomyParams) -> list[tuple[Point, Point, float]]:
    """Return the portal venous segments (start, end, radius): main vein, lobar and segmental branches."""
    ai, bi = params.cavity
    hilum = (-0.15 * ai, 0.05 * bi, -20.0)
    return [
        ((0.05 * ai, 0.25 * bi, -60.0), hilum, 7.0),
        (hilum, (-0.55 * ai, 0.0, -10.0), 5.0),
        (hilum, (0.12 * ai, -0.45 * bi, 20.0), 4.5),
        ((-0.45 * ai, 0.0, -12.0), (-0.65 * ai, -0.40 * bi, 10.0), 3.0),
        ((-0.45 * ai, 0.0, -12.0), (-0.55 * ai, 0.35 * bi, -40.0), 3.0),
    ]


def hepatic_veins(params: AnatomyParams) -> list[tuple[Point, Point, float]]:
    """Return the three hepatic veins converging on the IVC below the dome."""
    ai, bi = params.cavity
    (ix, iy, _), _ = params.ivc
    top = params.liver_top - 25.0
    confluence = (ix, iy, top)
    return [
        (confluence, (-0.75 * ai, -0.10 * bi, top - 20.0), 4.5),
        (confluence, (-0.30 * ai, -0.55 * bi, top - 15.0), 4.0),
        (confluence, (0.15 * ai, -0.55 * bi, top - 10.0), 3.5),
    ]


def _ellipse2d(y, x, centre, radii) -> np.ndarray:
    return ((x - centre[0]) / radii[0]) ** 2 + ((y - centre[1]) / radii[1]) ** 2 < 1.0


def _cross_section(params: AnatomyParams, y, x) -> dict[str, np.ndarray]:
    """2D masks of the z-invariant structures (y, x)."""
    yy, xx = y[:, None], x[None, :]
    a, b = params.body_radii
    ai, bi = params.cavity
    sy = params.spine_y
    (ix, iy, _), (irx, iry, _) = params.ivc
    return {
        "body": _ellipse2d(yy, xx, (0, 0), (a, b)),
        "wall": _ellipse2d(yy, xx, (0, 0), (a - params.fat_mm, b - params.fat_mm)),
        "cavity": _ellipse2d(yy, xx, (0, 0), (ai, bi)),
        "paraspinal": _ellipse2d(yy, xx, (-38, sy + 25), (22, 20)) | _ellipse2d(yy, xx, (38, sy + 25), (22, 20)),
        "cortex": _ellipse2d(yy, xx, (0, sy), (21, 19)) | _ellipse2d(yy, xx, (0, sy + 34), (9, 16)),
        "trabecular": _ellipse2d(yy, xx, (0, sy), (18, 16)),
        "aorta": _ellipse2d(yy, xx, (14, sy - 30), (11, 11)),
        "ivc": _ellipse2d(yy, xx, (ix, iy), (irx, iry)),
    }


def _paint_ellipsoid(labels, grid, shift, ellipsoid: Ellipsoid, tissue: Tissue, inside=1.0) -> None:
    centre, radii, exponent = ellipsoid
    found = grid.box(*bounding_box(centre, radii), shift)
    if found is not None:
        index, zz, yy, xx = found
        region = labels[index]
        region[ellipsoid_field(zz, yy, xx, centre, radii, exponent) < inside] = tissue


def _paint_segments(labels, grid, shift, segments, tissue: Tissue, where=None) -> None:
    for start, end, radius in segments:
        lo = tuple(min(s, e) - radius for s, e in zip(start, end))
        hi = tuple(max(s, e) + radius for s, e in zip(start, end))
        found = grid.box(lo, hi, shift)
        if found is None:
            continue
        index, zz, yy, xx = found
        inside = segment_distance(zz, yy, xx, start, end) < radius
        if where is not None:
            inside &= where[index]
        labels[index][inside] = tissue


def _wave_sum(waves: np.ndarray, zz, yy, xx):
    total = 0.0
    for kx, ky, kz, px, py, pz, amp in waves:
        total = total + amp * np.sin(kx * xx + px) * np.sin(ky * yy + py) * np.sin(kz * zz + pz)
    return total


def _paint_bowel(labels, grid, shift, params: AnatomyParams, cavity2d) -> None:
    """Fill the lower abdomen with bowel loops: thresholds of a smooth periodic field."""
    z, y, x = grid.axes(shift)
    n_lower = int(np.searchsorted(z, -45.0))
    if n_lower == 0:
        return
    zz, yy, xx = (v.astype(np.float32) for v in (z[:n_lower, None, None], y[None, :, None], x[None, None, :]))
    field = _wave_sum(params.bowel_waves, zz, yy, xx)
    lower = labels[:n_lower]
    inside = cavity2d[None]
    lower[inside & (field > 0.25)] = Tissue.BOWEL_WALL
    lower[inside & (field > 0.45)] = Tissue.BOWEL_FLUID
    lower[inside & (field > 0.85)] = Tissue.BOWEL_GAS


def _paint_abdomen(labels, grid, shift, params: AnatomyParams, cavity2d) -> None:
    ai, bi = params.cavity
    _paint_bowel(labels, grid, shift, params, cavity2d)
    sy = params.spine_y
    for side in (-1, 1):
        kidney = ((side * 70.0, sy - 5.0, -80.0 + side * 8.0), (30.0, 28.0, 55.0), 2.0)
        _paint_ellipsoid(labels, grid, shift, kidney, Tissue.KIDNEY_CORTEX)
        _paint_ellipsoid(labels, grid, shift, kidney, Tissue.KIDNEY_MEDULLA, inside=0.45)
    _paint_ellipsoid(labels, grid, shift, params.spleen, Tissue.SPLEEN)
    stomach = ((0.38 * ai, -0.35 * bi, 15.0), (45.0, 35.0, 45.0), 2.0)
    _paint_ellipsoid(labels, grid, shift, stomach, Tissue.BOWEL_WALL)
    _paint_ellipsoid(labels, grid, shift, stomach, Tissue.BOWEL_FLUID, inside=0.75)
    _paint_ellipsoid(labels, grid, shift, ((0.38 * ai, -0.35 * bi - 22, 25.0), (30.0, 10.0, 25.0), 2.0),
                     Tissue.BOWEL_GAS)
    _paint_ellipsoid(labels, grid, shift, ((20.0, sy - 50.0, -40.0), (55.0, 12.0, 14.0), 2.0), Tissue.PANCREAS)
    _paint_ellipsoid(labels, grid, shift, ((-0.30 * ai, -0.50 * bi, -62.0), (15.0, 15.0, 32.0), 2.0), Tissue.BILE)


def render_anatomy(params: AnatomyParams, grid: Grid, shift: Point):
    """Return (labels uint8 (z, y, x), liver envelope bool) of one phase, the patient shifted by ``shift``."""
    z, y, x = grid.axes(shift)
    masks = _cross_section(params, y, x)
    labels = np.zeros(grid.shape, dtype=np.uint8)
    labels[:] = np.where(masks["body"], Tissue.FAT, Tissue.AIR).astype(np.uint8)
    labels[:, masks["body"] & ~masks["wall"]] = Tissue.FAT
    labels[:, masks["wall"] & ~masks["cavity"]] = Tissue.MUSCLE
    ai, bi = params.cavity
    dome = params.liver_top + 8.0 - 25.0 * (x[None, :] / ai) ** 2 - 10.0 * (y[:, None] / bi)
    labels[(z[:, None, None] > dome[None]) & masks["cavity"][None]] = Tissue.LUNG
    _paint_abdomen(labels, grid, shift, params, masks["cavity"])
    liver_index, zz, yy, xx = grid.box(*params.liver_box, shift)
    field = liver_field(params, zz, yy, xx)
    region = labels[liver_index]
    if params.ascites:
        region[(field < 0.12) & masks["cavity"][liver_index[1:]][None]] = Tissue.ASCITES
    envelope = np.zeros(grid.shape, dtype=bool)
    envelope[liver_index] = field < 0.0
    labels[envelope] = Tissue.LIVER
    _paint_segments(labels, grid, shift, portal_tree(params), Tissue.PORTAL_VEIN)
    _paint_segments(labels, grid, shift, hepatic_veins(params), Tissue.HEPATIC_VEIN, where=envelope)
    for name, tissue in (("paraspinal", Tissue.MUSCLE), ("cortex", Tissue.BONE_CORTICAL),
                         ("trabecular", Tissue.BONE_TRABECULAR), ("aorta", Tissue.AORTA), ("ivc", Tissue.IVC)):
        labels[:, masks[name]] = tissue
        envelope[:, masks[name]] = False
    return labels, envelope
