"""Preprocessing: liver-box crop, HU window, resize, masked channels, fallbacks, pasting back."""
from __future__ import annotations

import numpy as np
import pytest
from almss_factories import tiny_config

from inference.almss.preprocess import CropBox, PhaseInput, paste_into_phase_grid, prepare_phase, window


def _phase(shape=(10, 30, 40), liver_box=(slice(2, 8), slice(5, 25), slice(10, 30)), tumour=True) -> PhaseInput:
    hu = np.full(shape, -1000.0, dtype=np.float32)
    liver = np.zeros(shape, dtype=bool)
    liver[liver_box] = True
    hu[liver] = 45.0  # centre of the [-55, 145] window -> 0.0
    tumour_mask = np.zeros(shape, dtype=bool)
    if tumour:
        tumour_mask[4:6, 10:14, 15:19] = True
        hu[tumour_mask] = 145.0  # top of the window -> 1.0
    return PhaseInput(hu, liver & ~tumour_mask, tumour_mask, (3.0, 1.0, 1.0))


def test_window_maps_the_hu_range_onto_minus_one_to_one():
    values = window(np.array([-1000.0, -55.0, 45.0, 145.0, 3000.0]), -55, 145)
    assert values.tolist() == [-1.0, -1.0, 0.0, 1.0, 1.0]


def test_crop_box_is_the_liver_box_plus_margin_clipped_to_the_volume():
    config = tiny_config(crop_margin=(1, 2, 2))
    prepared = prepare_phase(_phase(), config)
    assert prepared.box == CropBox((1, 3, 8), (9, 27, 32))
    assert prepared.grid_shape == (10, 30, 40)
    assert prepared.flags == []
    edge = prepare_phase(_phase(liver_box=(slice(0, 10), slice(0, 30), slice(0, 5)), tumour=False), config)
    assert edge.box == CropBox((0, 0, 0), (10, 30, 7))


def test_tumour_voxels_count_as_liver_for_the_box():
    phase = _phase(liver_box=(slice(0, 10), slice(0, 30), slice(0, 5)))  # tumour at x 15..18, outside
    assert prepare_phase(phase, tiny_config(crop_margin=(0, 0, 0))).box.stop[2] == 19


def test_channels_are_masked_windowed_and_resized():
    config = tiny_config(crop_margin=(0, 0, 0))
    prepared = prepare_phase(_phase(), config)
    assert prepared.image.shape == (2, *config.input_size)
    assert prepared.image.dtype == np.float32
    liver_channel, tumour_channel = prepared.image
    # Tight box: the liver (and tumour) fill the crop, so the liver channel has no -1 background.
    assert liver_channel.min() >= 0.0 - 1e-5 and liver_channel.max() <= 1.0 + 1e-5
    inside_tumour = tumour_channel > -1.0
    assert 0 < inside_tumour.mean() < 0.2
    assert tumour_channel[inside_tumour].max() == pytest.approx(1.0, abs=1e-5)
    assert np.all(tumour_channel[~inside_tumour] == -1.0)


def test_background_outside_the_liver_is_minus_one():
    config = tiny_config(crop_margin=(1, 3, 3))
    liver_channel = prepare_phase(_phase(), config).image[0]
    assert liver_channel[:, 0, :].max() == -1.0  # the margin rows lie outside the liver


def test_empty_liver_mask_falls_back_to_the_whole_volume_and_is_flagged():
    phase = _phase()
    empty = PhaseInput(phase.hu, np.zeros_like(phase.liver_mask), np.zeros_like(phase.tumour_mask))
    prepared = prepare_phase(empty, tiny_config())
    assert prepared.box == CropBox((0, 0, 0), (10, 30, 40))
    assert prepared.flags == ["liver_mask_empty", "tumour_mask_empty"]
    assert np.isfinite(prepared.image).all()


def test_empty_tumour_mask_uses_the_liver_for_the_tumour_channel():
    prepared = prepare_phase(_phase(tumour=False), tiny_config())
    assert prepared.flags == ["tumour_mask_empty"]
    np.testing.assert_array_equal(prepared.image[0], prepared.image[1])


def test_from_labelmap_splits_liver_and_tumour_labels():
    labelmap = np.zeros((4, 5, 6), dtype=np.uint8)
    labelmap[1:3, 1:4, 1:5] = 1
    labelmap[2, 2, 2] = 2
    phase = PhaseInput.from_labelmap(np.zeros((4, 5, 6)), labelmap, (2, 1, 1))
    assert phase.liver_mask.sum() == 23 and phase.tumour_mask.sum() == 1
    with pytest.raises(ValueError, match="differs from hu shape"):
        PhaseInput(np.zeros((4, 5, 6)), labelmap[:3], labelmap)


def test_heatmap_is_pasted_back_into_the_crop_box_of_the_phase_grid():
    box = CropBox((1, 3, 8), (9, 27, 32))
    heat = np.ones((8, 32, 32), dtype=np.float32)
    full = paste_into_phase_grid(heat, box, (10, 30, 40))
    assert full.shape == (10, 30, 40)
    assert np.allclose(full[box.slices], 1.0)
    assert full.sum() == pytest.approx(np.prod(box.shape))
