"""Population checks from sampled parameters (no voxels): class mix, demographics, leakage guard, oracle AUC."""
from __future__ import annotations

import collections
import io

import numpy as np
import pytest
from pydicom import dcmwrite
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from reader_study.phantom import PhantomCase, sample_case
from reader_study.phantom.classes import CLASS_SPECS, TABLE2, class_mix, demographics
from reader_study.phantom.dataset import allocate_classes, case_ids
from reader_study.phantom.dicom_writer import SERIES_WORDINGS, series_template, slice_dataset
from reader_study.phantom.oracle import oracle_features
from reader_study.phantom.volume import phase_grid
from reader_study.vocabulary import EIGHT_CLASSES, PHASES


def test_allocation_reproduces_the_training_counts_of_table_2():
    counts = collections.Counter(allocate_classes(2061, seed=0))
    assert counts == {name: TABLE2["train"][name].count for name in EIGHT_CLASSES}


def test_small_sets_follow_the_mix_and_are_shuffled():
    labels = allocate_classes(200, seed=3)
    mix = class_mix("train")
    for name, count in collections.Counter(labels).items():
        assert abs(count - 200 * mix[name]) <= 1
    assert labels != sorted(labels, key=EIGHT_CLASSES.index)
    assert allocate_classes(200, seed=3) == labels


def test_every_class_appears_once_the_set_is_large_enough():
    assert set(allocate_classes(8, seed=1)) == set(EIGHT_CLASSES)
    assert len(allocate_classes(5, seed=1)) == 5


def test_class_subset_and_cohort_are_respected():
    assert set(allocate_classes(30, 1, classes=("HCC", "ICC"))) == {"HCC", "ICC"}
    assert "HCC" not in allocate_classes(50, 1, cohort="expandability")  # Table 2 has no HCC there
    with pytest.raises(ValueError, match="unknown"):
        allocate_classes(5, 1, classes=("HCC", "melanoma"))


@pytest.mark.parametrize("klass", ["HCC", "ICC", "breast", "esophagogastric", "gynecologic"])
def test_age_and_sex_follow_table_2(klass):
    table = demographics("train", klass)
    people = [sample_case(f"D{i}", klass, seed=11, size=16, slices=4) for i in range(200)]
    ages = np.array([p.age for p in people])
    female = np.mean([p.sex == "F" for p in people])
    assert abs(ages.mean() - table.age_mean) < 2.5
    assert abs(ages.std() - table.age_sd) < 2.5
    assert abs(female - table.female_fraction) < 0.08


def test_lesion_count_and_size_follow_the_class_table():
    def summary(klass):
        cases = [sample_case(f"L{i}", klass, seed=2, size=16, slices=4) for i in range(60)]
        return np.median([len(c.lesions) for c in cases]), np.median([c.lesions[0].diameter_mm for c in cases])

    hcc_count, hcc_size = summary("HCC")
    breast_count, breast_size = summary("breast")
    assert breast_count > hcc_count + 2
    assert hcc_size > 2 * breast_size
    assert hcc_size == pytest.approx(CLASS_SPECS["HCC"].size_median_cm * 10, rel=0.25)


def _sampled_population(n: int, seed: int):
    labels = allocate_classes(n, seed)
    ids = case_ids(n, seed)
    params = [sample_case(case_id, klass, seed, size=16, slices=4) for case_id, klass in zip(ids, labels)]
    three = np.array([CLASS_SPECS[k].tumour_class.value for k in labels])
    return labels, ids, params, three


def _file_size(params) -> int:
    """Size of an uncompressed pre-contrast slice file (pixel values do not change it, so no rendering)."""
    grids = {phase: phase_grid(params, index) for index, phase in enumerate(PHASES)}
    volumes = {phase: np.zeros(grid.shape, dtype=np.int16) for phase, grid in grids.items()}
    case = PhantomCase(params.case_id, params, grids, volumes, masks={})
    buffer = io.BytesIO()
    dcmwrite(buffer, slice_dataset(series_template(case, PHASES[0]), case, PHASES[0], 0, False),
             enforce_file_format=True)
    return len(buffer.getvalue())


def _metadata_features(params) -> np.ndarray:
    rows = []
    for index, p in enumerate(params):
        acq = p.acquisition
        rows.append([
            index, acq.fov_mm / p.size, acq.slice_spacing_mm, p.slices, acq.wording % len(SERIES_WORDINGS),
            acq.kvp, acq.noise_sd.mean(), acq.z_top, *acq.table_offset, acq.phase_delays[-1],
            _file_size(p),
        ])
    return np.asarray(rows, dtype=float)


def _cv_accuracy(features, target) -> float:
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    return float(cross_val_score(model, features, target, cv=folds).mean())


def test_leakage_guard_metadata_cannot_predict_the_class():
    _labels, _ids, params, three = _sampled_population(120, seed=21)
    metadata = _metadata_features(params)
    majority = collections.Counter(three).most_common(1)[0][1] / len(three)
    assert _cv_accuracy(metadata, three) <= majority + 0.08
    # the same test on image-derived features must clear the bar, or it could not fail
    rng = np.random.default_rng(0)
    oracle = np.array([oracle_features(p, rng) for p in params])
    assert _cv_accuracy(oracle, three) > majority + 0.15


def test_oracle_separates_hcc_icc_lm_well_but_not_perfectly():
    _labels, _ids, params, three = _sampled_population(500, seed=5)
    rng = np.random.default_rng(1)
    features = np.array([oracle_features(p, rng) for p in params])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    probabilities = cross_val_predict(model, features, three, cv=folds, method="predict_proba")
    auc = roc_auc_score(three, probabilities, multi_class="ovr", average="macro")
    assert 0.85 < auc < 0.99, auc
