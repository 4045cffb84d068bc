"""nnU-Net wrapper: raw export layout, and a tiny plan -> train -> predict round trip on phantoms."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from inference.segmentation import LiverTumourSegmenter, SegmentationSample, export_dataset, train
from reader_study.phantom import generate_case
from reader_study.vocabulary import PHASES


@pytest.fixture(scope="module")
def phantoms():
    torch.set_num_threads(1)
    return [generate_case(f"seg{i}", klass, seed=7, size=32, slices=12) for i, klass in
            enumerate(["HCC", "ICC", "intestinal"])]


def samples_of(cases):
    return [SegmentationSample(f"{c.case_id}_{p.value}", c.volumes[p].astype(np.float32), c.spacing(p), c.masks[p])
            for c in cases for p in PHASES[:2]]


def test_export_writes_nnunet_raw_layout(phantoms, tmp_path):
    import SimpleITK as sitk

    folder = export_dataset(samples_of(phantoms[:1]), tmp_path)
    assert folder.name == "Dataset501_LiverTumour"
    meta = json.loads((folder / "dataset.json").read_text())
    assert meta["channel_names"] == {"0": "CT"}
    assert meta["labels"] == {"background": 0, "liver": 1, "tumour": 2}
    assert meta["numTraining"] == 2
    assert meta["dataset"]["seg0_arterial"] == {"images": ["imagesTr/seg0_arterial_0000.nii.gz"],
                                                "label": "labelsTr/seg0_arterial.nii.gz"}
    case = phantoms[0]
    image = sitk.ReadImage(str(folder / "imagesTr" / "seg0_pre_contrast_0000.nii.gz"))
    label = sitk.GetArrayFromImage(sitk.ReadImage(str(folder / "labelsTr" / "seg0_pre_contrast.nii.gz")))
    assert image.GetSpacing() == pytest.approx(tuple(reversed(case.spacing(PHASES[0]))))
    np.testing.assert_array_equal(sitk.GetArrayFromImage(image), case.volumes[PHASES[0]])
    np.testing.assert_array_equal(label, case.masks[PHASES[0]])


def test_export_refuses_bad_samples(phantoms, tmp_path):
    case = phantoms[0]
    volume = case.volumes[PHASES[0]].astype(np.float32)
    with pytest.raises(ValueError, match="differ"):
        SegmentationSample("x", volume, (1, 1, 1), case.masks[PHASES[0]][:-1])
    with pytest.raises(ValueError, match="identifier"):
        SegmentationSample("bad id!", volume, (1, 1, 1), case.masks[PHASES[0]])
    with pytest.raises(ValueError, match="no samples"):
        export_dataset([], tmp_path)


@pytest.mark.slow
def test_tiny_nnunet_plan_train_predict_and_resume(phantoms, tmp_path):
    export_dataset(samples_of(phantoms), tmp_path / "raw")
    result = train(tmp_path / "raw", tmp_path / "work", epochs=1, iterations_per_epoch=2, log=lambda m: None)
    assert (result.model_dir / "fold_all" / "checkpoint_final.pth").is_file()
    plans = json.loads((result.model_dir / "plans.json").read_text())
    assert plans["configurations"]["3d_tiny"]["architecture"]["arch_kwargs"]["features_per_stage"] == [8, 16, 32, 64]

    with pytest.raises(FileExistsError, match="resume"):
        train(tmp_path / "raw", tmp_path / "work", epochs=1, iterations_per_epoch=2, log=lambda m: None)
    before = (result.model_dir / "fold_all" / "checkpoint_final.pth").stat().st_mtime_ns
    train(tmp_path / "raw", tmp_path / "work", epochs=1, iterations_per_epoch=2, resume=True, log=lambda m: None)
    assert (result.model_dir / "fold_all" / "checkpoint_final.pth").stat().st_mtime_ns == before  # nothing left to do

    segmenter = LiverTumourSegmenter.load(result.model_dir)
    unseen = generate_case("unseen", "HCC", seed=99, size=32, slices=12)
    phase = PHASES[2]
    labelmap = segmenter.segment(unseen.volumes[phase].astype(np.float32), unseen.spacing(phase))
    assert labelmap.shape == unseen.volumes[phase].shape
    assert labelmap.dtype == np.uint8
    assert set(np.unique(labelmap)) <= {0, 1, 2}
    with pytest.raises(ValueError, match="3-D"):
        segmenter.segment(unseen.volumes[phase][0], unseen.spacing(phase))
