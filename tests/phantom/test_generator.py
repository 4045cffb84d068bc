"""In-memory generation: determinism, shapes, masks and the enhancement patterns that carry the class signal."""
from __future__ import annotations

import numpy as np
import pytest

from reader_study.phantom import generate_case, sample_case
from reader_study.phantom.anatomy import liver_field
from reader_study.vocabulary import EIGHT_CLASSES, PHASES, Phase

SMALL = {"size": 48, "slices": 12}


def test_same_seed_gives_identical_volumes_and_masks():
    first = generate_case("DET-1", "HCC", seed=3, **SMALL)
    second = generate_case("DET-1", "HCC", seed=3, **SMALL)
    for phase in PHASES:
        assert np.array_equal(first.volumes[phase], second.volumes[phase])
        assert np.array_equal(first.masks[phase], second.masks[phase])


def test_another_seed_or_case_id_gives_another_case():
    base = generate_case("DET-1", "HCC", seed=3, **SMALL)
    for other in (generate_case("DET-1", "HCC", seed=4, **SMALL), generate_case("DET-2", "HCC", seed=3, **SMALL)):
        assert not np.array_equal(base.volumes[Phase.ARTERIAL], other.volumes[Phase.ARTERIAL])


@pytest.mark.parametrize("klass", EIGHT_CLASSES)
def test_every_class_renders_four_phases_with_liver_and_tumour(klass):
    case = generate_case(f"ALL-{klass}", klass, seed=1, size=32, slices=8)
    assert case.klass == klass
    for phase in PHASES:
        volume, mask = case.volumes[phase], case.masks[phase]
        assert volume.dtype == np.int16 and volume.shape == (8, 32, 32)
        assert mask.dtype == np.uint8 and mask.shape == volume.shape
        assert set(np.unique(mask)) <= {0, 1, 2}
        assert (mask == 1).sum() > 50
    assert any((case.masks[phase] == 2).any() for phase in PHASES)


def test_phantom_case_reports_spacing_and_origin_of_each_phase():
    case = generate_case("GEO-1", "ICC", seed=2, size=64, slices=16)
    dz, dy, dx = case.spacing(Phase.PORTAL_VENOUS)
    assert dy == dx == pytest.approx(case.params.acquisition.fov_mm / 64, abs=1e-5)
    assert dz == case.params.acquisition.slice_spacing_mm
    origins = [case.origin(phase) for phase in PHASES]
    assert len({o[2] for o in origins}) > 1, "each phase covers a slightly different z-range"


def test_tumour_voxels_lie_inside_the_liver_envelope():
    case = generate_case("ENV-1", "intestinal", seed=5, **SMALL)
    for index, phase in enumerate(PHASES):
        grid = case.grids[phase]
        z, y, x = grid.axes(tuple(case.params.acquisition.phase_shifts[index]))
        level = liver_field(case.params.anatomy, z[:, None, None], y[None, :, None], x[None, None, :])
        tumour = case.masks[phase] == 2
        assert tumour.any()
        assert (level[tumour] < 0).all()


def test_rigid_motion_moves_the_liver_between_phases():
    case = generate_case("MOV-1", "HCC", seed=8, **SMALL)
    centroids = [np.argwhere(case.masks[p] > 0).mean(axis=0) * np.asarray(case.spacing(p)) + np.asarray(
        case.origin(p)[::-1]) for p in PHASES]
    spread = np.ptp(np.asarray(centroids), axis=0)
    assert spread.max() > 0.5  # mm: the patient is not in exactly the same place in all four phases


def test_parenchyma_follows_the_liver_enhancement_curve():
    case = generate_case("CURVE-1", "respiratory", seed=9, size=64, slices=16)
    curve = case.params.liver_curve
    for index, phase in enumerate(PHASES):
        liver = case.volumes[phase][case.masks[phase] == 1]
        assert abs(np.median(liver) - curve[index]) < 12


def _tumour_minus_liver(klass: str, seeds: range) -> np.ndarray:
    """Mean (tumour - liver) HU per phase, averaged over cases."""
    deltas = []
    for seed in seeds:
        case = generate_case(f"PAT-{klass}-{seed}", klass, seed=seed, **SMALL)
        row = []
        for phase in PHASES:
            volume, mask = case.volumes[phase].astype(float), case.masks[phase]
            row.append(volume[mask == 2].mean() - volume[mask == 1].mean())
        deltas.append(row)
    return np.nanmean(np.asarray(deltas), axis=0)


def test_hcc_enhances_in_the_arterial_phase_and_washes_out_later():
    nc, ap, pvp, dp = _tumour_minus_liver("HCC", range(8))
    assert ap > 5
    assert pvp < ap - 15 and dp < ap - 15
    assert dp < 0


def test_metastases_are_hypoattenuating_in_the_portal_venous_phase():
    _nc, ap, pvp, _dp = _tumour_minus_liver("intestinal", range(6))
    assert pvp < -15
    assert pvp < ap


def test_icc_fills_in_on_the_delayed_phase():
    _nc, _ap, pvp, dp = _tumour_minus_liver("ICC", range(8))
    assert dp > pvp + 5


def test_unknown_class_is_refused():
    with pytest.raises(ValueError, match="unknown phantom class"):
        sample_case("X", "melanoma", 0)


def test_noise_has_the_sampled_sd_and_is_correlated_in_plane_only():
    from reader_study.phantom.volume import _form_image, _phase_hu

    case = generate_case("NOISE-1", "HCC", seed=12, size=96, slices=12)
    grid = case.grids[Phase.PORTAL_VENOUS]
    clean, _mask = _phase_hu(case.params, grid, 2)
    noiseless = _form_image(clean, grid, case.params.acquisition.psf_mm, 0.0, np.random.default_rng(0))
    residual = case.volumes[Phase.PORTAL_VENOUS].astype(float) - noiseless
    inside = case.volumes[Phase.PORTAL_VENOUS] > -1000  # clipping at -1024 hides noise in air
    assert residual[inside].std() == pytest.approx(case.params.acquisition.noise_sd[2], rel=0.1)
    in_plane = np.corrcoef(residual[:, :, :-1].ravel(), residual[:, :, 1:].ravel())[0, 1]
    across = np.corrcoef(residual[:-1].ravel(), residual[1:].ravel())[0, 1]
    assert in_plane > 0.3
    assert abs(across) < 0.1
