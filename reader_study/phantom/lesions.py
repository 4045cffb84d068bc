"""Lesions: sampling their number, size, position and per-phase attenuation, and painting them into a phase.

Lesion HU are deltas vs the patient's liver in the same phase (data.md 3.3), except cystic, necrotic and calcified
parts, which take absolute, non-enhancing values.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .anatomy import AnatomyParams, liver_field
from .attenuation import (
    CALCIFICATION_HU,
    CYSTIC_HU,
    LESION_PHASE_SD,
    LESION_SHIFT_SD,
    NC_DELTA_MAX,
    NECROSIS_HU,
    PATTERNS,
)
from .grid import Grid, Point, ellipsoid_field, segment_distance


@dataclass(frozen=True)
class Lesion:
    """One lesion: geometry (mm, patient frame) and per-phase HU (NC, AP, PVP, DP)."""

    centre: Point
    radii: Point
    core: np.ndarray  # deltas vs liver, or absolute HU when ``cystic``
    cystic: bool
    rim: np.ndarray | None = None
    rim_mm: float = 0.0
    capsule: np.ndarray | None = None
    capsule_mm: float = 0.0
    necrosis: float = 0.0  # radius of the necrotic centre as a fraction of the lesion radius
    necrosis_hu: float = 20.0
    mosaic_hu: float = 0.0
    centripetal_hu: float = 0.0  # delayed fill-in runs from the rim inwards (ICC fibrous stroma)
    lobulation: np.ndarray = field(default_factory=lambda: np.zeros(4))  # amplitude, 3 phases
    calcifications: tuple[tuple[Point, float, float], ...] = ()

    @property
    def diameter_mm(self) -> float:
        return 2.0 * float(np.mean(self.radii))


@dataclass(frozen=True)
class Timing:
    """Bolus-timing jitter of one examination: multipliers of the AP and PVP/DP deltas."""

    arterial: float
    venous: float

    def apply(self, deltas) -> np.ndarray:
        return np.asarray(deltas, dtype=float) * np.array([1.0, self.arterial, self.venous, self.venous])


def lesion_hu(rng: np.random.Generator, pattern: str, timing: Timing) -> dict:
    """Draw one lesion's core, rim and capsule HU for a pattern (shared shift + per-phase noise + jitter)."""
    spec = PATTERNS[pattern]
    shared = rng.normal(0.0, LESION_SHIFT_SD)
    if spec.cystic:
        core = np.full(4, rng.uniform(*CYSTIC_HU))
    else:
        core = timing.apply(spec.core) + shared + rng.normal(0.0, LESION_PHASE_SD, 4)
        core[0] = min(core[0], NC_DELTA_MAX)
    values = {"core": core, "cystic": spec.cystic}
    if spec.rim is not None:
        rim = timing.apply(spec.rim) + 0.5 * shared + rng.normal(0.0, 5.0, 4)
        rim[0] = min(rim[0], NC_DELTA_MAX)
        values.update(rim=rim, rim_mm=rng.uniform(2.0, 5.0))
    if spec.capsule is not None and rng.random() < 0.75:
        values.update(capsule=timing.apply(spec.capsule) + rng.normal(0.0, 4.0, 4), capsule_mm=rng.uniform(1.0, 2.0))
    return values


def place_centres(rng, anatomy: AnatomyParams, n: int, depth: tuple[float, float], prefer_right: bool) -> np.ndarray:
    """Return ``n`` lesion centres (n, 3) inside the liver whose level-function value lies in ``depth``."""
    lo, hi = (np.asarray(v) for v in anatomy.liver_box)
    chosen: list[np.ndarray] = []
    for _attempt in range(20):
        candidates = rng.uniform(lo, hi, size=(512, 3))
        level = liver_field(anatomy, candidates[:, 2], candidates[:, 1], candidates[:, 0])
        ok = (level > depth[0]) & (level < depth[1])
        if prefer_right:
            ok &= (candidates[:, 0] < 0) | (rng.random(len(candidates)) < 0.4)
        chosen.extend(candidates[ok])
        if len(chosen) >= n:
            break
    if len(chosen) < n:
        raise RuntimeError("could not place lesions inside the liver; the anatomy parameters are inconsistent")
    return np.asarray(chosen[:n])


def make_lesion(rng, centre, diameter_mm: float, pattern: str, timing: Timing, **extra) -> Lesion:
    """Build a lesion of a given diameter with mildly elliptical, lobulated shape."""
    radii = tuple(float(v) for v in diameter_mm / 2.0 * rng.uniform(0.8, 1.2, 3))
    lobulation = np.concatenate([[rng.uniform(0.05, 0.2)], rng.uniform(0, 2 * np.pi, 3)])
    return Lesion(centre=tuple(float(v) for v in centre), radii=radii, lobulation=lobulation,
                  **lesion_hu(rng, pattern, timing), **extra)


def _lesion_distance(lesion: Lesion, zz, yy, xx) -> np.ndarray:
    """Normalised distance from the lesion centre: 1 on its lobulated surface."""
    cx, cy, cz = lesion.centre
    rx, ry, rz = lesion.radii
    amp, px, py, pz = lesion.lobulation
    lobes = 1.0 + amp * np.sin(4.0 * (xx - cx) / rx + px) * np.sin(4.0 * (yy - cy) / ry + py) * np.sin(
        3.0 * (zz - cz) / rz + pz)
    return np.sqrt(ellipsoid_field(zz, yy, xx, lesion.centre, lesion.radii)) / lobes


def paint_lesion(hu, tumour, envelope, grid: Grid, shift: Point, lesion: Lesion, liver_hu: float, phase: int):
    """Paint one lesion into a phase's HU volume and tumour mask, clipped to the liver envelope."""
    reach = 1.3 + (lesion.capsule_mm / min(lesion.radii) if lesion.capsule is not None else 0.0)
    half_voxel = (grid.spacing[2] / 2, grid.spacing[1] / 2, grid.spacing[0] / 2)
    lo = tuple(c - r * reach - h for c, r, h in zip(lesion.centre, lesion.radii, half_voxel))
    hi = tuple(c + r * reach + h for c, r, h in zip(lesion.centre, lesion.radii, half_voxel))
    found = grid.box(lo, hi, shift)
    if found is None:
        return
    index, zz, yy, xx = found
    d = _lesion_distance(lesion, zz, yy, xx)
    inside_liver = envelope[index]
    region = hu[index]
    mean_radius = float(np.mean(lesion.radii))
    if lesion.capsule is not None:
        shell = (d >= 1.0) & (d < 1.0 + lesion.capsule_mm / mean_radius) & inside_liver
        region[shell] = liver_hu + lesion.capsule[phase]
    body = (d < 1.0) & inside_liver
    if not body.any() and inside_liver.any():  # smaller than a voxel: it still marks its nearest liver voxel
        body[np.unravel_index(np.argmin(np.where(inside_liver, d, np.inf)), d.shape)] = True
    tumour[index] |= body
    core_value = lesion.core[phase] if lesion.cystic else liver_hu + lesion.core[phase]
    region[body] = core_value
    if lesion.mosaic_hu and phase > 0:
        mosaic = lesion.mosaic_hu * np.sin(0.5 * xx) * np.sin(0.5 * yy + 1.3) * np.sin(0.4 * zz + 0.7)
        region[body] += np.broadcast_to(mosaic, body.shape)[body]
    if lesion.centripetal_hu and phase >= 2:
        gradient = lesion.centripetal_hu * (0.5 if phase == 2 else 1.0) * (d - 0.6)
        region[body] += gradient[body]
    if lesion.rim is not None:
        ring = body & (d >= 1.0 - lesion.rim_mm / mean_radius)
        region[ring] = liver_hu + lesion.rim[phase]
    if lesion.necrosis:
        region[body & (d < lesion.necrosis)] = lesion.necrosis_hu
    for centre, radius, value in lesion.calcifications:
        spot = segment_distance(zz, yy, xx, centre, centre) < radius
        region[spot & body] = value


def calcifications(rng, centre: Point, radii: Point) -> tuple[tuple[Point, float, float], ...]:
    """Draw 1-4 punctate calcifications inside a lesion."""
    spots = []
    for _ in range(int(rng.integers(1, 5))):
        offset = rng.uniform(-0.5, 0.5, 3) * np.asarray(radii)
        spots.append((tuple(float(v) for v in np.asarray(centre) + offset), rng.uniform(1.5, 3.0),
                      rng.uniform(*CALCIFICATION_HU)))
    return tuple(spots)


def necrosis_params(rng) -> dict:
    return {"necrosis": rng.uniform(0.3, 0.6), "necrosis_hu": rng.uniform(*NECROSIS_HU)}
