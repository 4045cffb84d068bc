"""Rendering a sampled case into four phase volumes (int16 HU) and label maps (0 / 1 liver / 2 tumour).

Image formation: tissue lookup per phase, liver texture, lesions, partial-volume blur (in-plane PSF plus slice
profile), correlated noise (white Gaussian filtered in-plane, rescaled to the target SD), rounding and clipping.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from reader_study.vocabulary import PHASES, Phase

from .anatomy import portal_tree, render_anatomy
from .attenuation import LYMPH_NODE_HU, Tissue, tissue_lut
from .grid import Grid, Point, bounding_box, ellipsoid_field, segment_distance
from .lesions import paint_lesion
from .sampling import CaseParameters, case_streams, sample_case

HU_MIN, HU_MAX = -1024, 3071
SLICE_PROFILE_SIGMA = 0.35  # slices: partial volume between neighbouring 5 mm slices
LIVER_LABEL, TUMOUR_LABEL = 1, 2


@dataclass
class PhantomCase:
    """An in-memory case: per-phase HU volumes (int16, z, y, x ascending along the slice normal) and masks."""

    case_id: str
    params: CaseParameters
    grids: dict[Phase, Grid]
    volumes: dict[Phase, np.ndarray]
    masks: dict[Phase, np.ndarray]

    @property
    def klass(self) -> str:
        return self.params.klass

    def spacing(self, phase: Phase) -> tuple[float, float, float]:
        """Voxel spacing (z, y, x) in mm."""
        return self.grids[phase].spacing

    def origin(self, phase: Phase) -> tuple[float, float, float]:
        """ImagePositionPatient (x, y, z) of array slice 0."""
        return self.grids[phase].origin


def phase_grid(params: CaseParameters, phase_index: int) -> Grid:
    """Return the scanner grid of one phase; z start jitters by up to half a slice between phases."""
    acq = params.acquisition
    pixel = round(acq.fov_mm / params.size, 6)
    dz = acq.slice_spacing_mm
    x0 = -acq.fov_mm / 2.0 + pixel / 2.0 + acq.table_offset[0]
    y0 = -acq.fov_mm / 2.0 + pixel / 2.0 + acq.table_offset[1]
    z_jitter = (acq.phase_shifts[phase_index, 2] % 1.0 - 0.5) * dz
    z0 = acq.z_top - dz * (params.slices - 1) + z_jitter
    origin = (round(float(x0), 4), round(float(y0), 4), round(float(z0), 4))
    return Grid((params.slices, params.size, params.size), (float(dz), pixel, pixel), origin)


def _texture(params: CaseParameters, grid: Grid, shift: Point, index) -> np.ndarray:
    """Smooth parenchymal texture (HU), stronger and finer in cirrhotic livers."""
    z, y, x = grid.axes(shift)
    zz, yy, xx = z[index[0], None, None], y[None, index[1], None], x[None, None, index[2]]
    waves = params.anatomy.liver_waves
    freq = 0.25 if "cirrhosis" in params.extras else 0.12
    total = 0.0
    for kx, ky, kz, px, py, pz, _amp in waves:
        total = total + np.sin(freq * kx / 0.025 * xx + px) * np.sin(freq * ky / 0.025 * yy + py) * np.sin(
            0.5 * freq * kz / 0.025 * zz + pz)
    return (params.liver_texture_hu * total).astype(np.float32)


def _phase_hu(params: CaseParameters, grid: Grid, phase_index: int):
    """Return (noise-free HU float32, label map uint8) of one phase."""
    shift = tuple(params.acquisition.phase_shifts[phase_index])
    labels, envelope = render_anatomy(params.anatomy, grid, shift)
    lut = tissue_lut(params.liver_curve, params.bolus)
    hu = lut[phase_index][labels]
    liver_hu = float(params.liver_curve[phase_index])
    for start, end, radius in params.ducts:
        _paint_duct(hu, envelope, grid, shift, (start, end, radius))
    index = grid.box(*params.anatomy.liver_box, shift)[0]
    parenchyma = labels[index] == Tissue.LIVER
    region = hu[index]
    region[parenchyma] += np.broadcast_to(_texture(params, grid, shift, index), parenchyma.shape)[parenchyma]
    if phase_index == 1:
        _arciform_spleen(hu, labels)
        for centre, radii, delta in params.wedges:
            _add_inside(hu, envelope, grid, shift, (centre, radii), delta)
    for centre, radius in params.nodes:
        _set_inside(hu, ~envelope, grid, shift, (centre, (radius, radius, radius)), LYMPH_NODE_HU[phase_index])
    tumour = np.zeros(grid.shape, dtype=bool)
    if "pvtt" in params.extras:
        _paint_vein_thrombus(hu, tumour, envelope, grid, shift, params, phase_index)
    for lesion in params.lesions:
        paint_lesion(hu, tumour, envelope, grid, shift, lesion, liver_hu, phase_index)
    mask = envelope.astype(np.uint8)
    mask[tumour] = TUMOUR_LABEL
    return hu, mask


def _paint_duct(hu, envelope, grid: Grid, shift: Point, duct) -> None:
    start, end, radius = duct
    lo = tuple(min(s, e) - radius for s, e in zip(start, end))
    hi = tuple(max(s, e) + radius for s, e in zip(start, end))
    found = grid.box(lo, hi, shift)
    if found is not None:
        index, zz, yy, xx = found
        hu[index][(segment_distance(zz, yy, xx, start, end) < radius) & envelope[index]] = 12.0


def _inside(where, grid: Grid, shift: Point, ellipsoid):
    """Return (index slices, mask) of the voxels inside an ellipsoid where ``where`` holds, or None."""
    centre, radii = ellipsoid
    found = grid.box(*bounding_box(centre, radii), shift)
    if found is None:
        return None
    index, zz, yy, xx = found
    return index, (ellipsoid_field(zz, yy, xx, centre, radii) < 1.0) & where[index]


def _add_inside(hu, where, grid: Grid, shift: Point, ellipsoid, delta: float) -> None:
    found = _inside(where, grid, shift, ellipsoid)
    if found is not None:
        hu[found[0]][found[1]] += delta


def _set_inside(hu, where, grid: Grid, shift: Point, ellipsoid, value: float) -> None:
    found = _inside(where, grid, shift, ellipsoid)
    if found is not None:
        hu[found[0]][found[1]] = value


def _paint_vein_thrombus(hu, tumour, envelope, grid: Grid, shift: Point, params: CaseParameters, phase: int) -> None:
    """Tumour in the right portal vein (HCC PVTT): expansile, enhancing like the main lesion."""
    start, end, radius = portal_tree(params.anatomy)[1]
    end = tuple(s + 0.6 * (e - s) for s, e in zip(start, end))
    radius *= 1.15
    lo = tuple(min(s, e) - radius for s, e in zip(start, end))
    hi = tuple(max(s, e) + radius for s, e in zip(start, end))
    found = grid.box(lo, hi, shift)
    if found is None:
        return
    index, zz, yy, xx = found
    inside = (segment_distance(zz, yy, xx, start, end) < radius) & envelope[index]
    hu[index][inside] = params.liver_curve[phase] + params.lesions[0].core[phase]
    tumour[index] |= inside


def _arciform_spleen(hu: np.ndarray, labels: np.ndarray) -> None:
    """Arterial-phase heterogeneous ("arciform") splenic enhancement."""
    spleen = labels == Tissue.SPLEEN
    if spleen.any():
        zi, yi, xi = np.nonzero(spleen)
        hu[zi, yi, xi] += 20.0 * np.sin(0.9 * yi) * np.cos(0.7 * xi + 0.3 * zi)


def _form_image(hu: np.ndarray, grid: Grid, psf_mm: float, noise_sd: float, rng: np.random.Generator) -> np.ndarray:
    """Add noise, blur once (PSF in-plane, slice profile along z), round and clip to the 12-bit CT range.

    Blurring after adding white noise shapes the noise like a reconstruction kernel (correlated in-plane, nearly
    independent between 5 mm slices) in one filter pass; the in-plane sigma is at least 0.7 pixel so that coarse
    test grids keep correlated noise too.
    """
    sigma = (SLICE_PROFILE_SIGMA, max(psf_mm / grid.spacing[1], 0.7), max(psf_mm / grid.spacing[2], 0.7))
    if noise_sd > 0:
        noise = rng.standard_normal(hu.shape, dtype=np.float32)
        noise *= noise_sd / _filtered_sd(sigma)
        hu = hu + noise
    image = ndimage.gaussian_filter(hu, sigma=sigma, mode="nearest", truncate=3.0)
    np.rint(image, out=image)
    np.clip(image, HU_MIN, HU_MAX, out=image)
    return image.astype(np.int16)


def _filtered_sd(sigma: tuple[float, float, float]) -> float:
    """SD of unit white noise after the 3D Gaussian filter (the L2 norm of its kernel)."""
    impulse = np.zeros((9, 25, 25), dtype=np.float64)
    impulse[4, 12, 12] = 1.0
    return float(np.sqrt((ndimage.gaussian_filter(impulse, sigma, truncate=3.0) ** 2).sum()))


def render_case(params: CaseParameters) -> PhantomCase:
    """Render all four phases of sampled parameters."""
    noise_rng = case_streams(params.case_id, params.seed)["noise"]
    grids, volumes, masks = {}, {}, {}
    for phase_index, phase in enumerate(PHASES):
        grid = phase_grid(params, phase_index)
        hu, mask = _phase_hu(params, grid, phase_index)
        volumes[phase] = _form_image(hu, grid, params.acquisition.psf_mm, params.acquisition.noise_sd[phase_index],
                                     noise_rng)
        grids[phase], masks[phase] = grid, mask
    return PhantomCase(params.case_id, params, grids, volumes, masks)


def generate_case(case_id: str, klass: str, seed: int = 0, size: int = 64, slices: int = 16, *,
                  cohort: str = "train") -> PhantomCase:
    """Sample and render one case in memory (deterministic for ``(case_id, klass, seed, size, slices)``)."""
    return render_case(sample_case(case_id, klass, seed, cohort=cohort, size=size, slices=slices))
