"""The ALMSS bundle (contract 6): save -> load -> predict, determinism, hierarchy, integrity."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from almss_factories import make_sample, tiny_config

from inference.almss.bundle import ALMSSBundle, BundleError, bundle_checksum, save_network
from inference.almss.classifier import build_network
from reader_study.vocabulary import ORIGIN_SYSTEMS, PHASES

torch.set_num_threads(1)

PRIMARY_CUTOFFS = {"HCC": 0.4, "ICC": 0.3, "LM": 0.35}
ORIGIN_CUTOFFS = {o.value: 0.2 for o in ORIGIN_SYSTEMS}


def _write_bundle(path, config=None, with_baseline=False):
    config = config or tiny_config(seed=45)
    save_network(path, "primary", build_network(config, 3), config, PRIMARY_CUTOFFS, {"macro": {"auc": 0.5}},
                 label="synthetic data, not for clinical use")
    save_network(path, "origin", build_network(config, 6), config, ORIGIN_CUTOFFS, {}, label="synthetic data, "
                 "not for clinical use")
    if with_baseline:
        save_network(path, "baseline", build_network(config, 3, "baseline"), config, PRIMARY_CUTOFFS)
    return config


def test_bundle_directory_holds_the_contract_files(tmp_path):
    _write_bundle(tmp_path)
    names = {p.name for p in tmp_path.iterdir()}
    assert {"config.json", "primary.pt", "origin.pt", "cutoffs.json", "metrics.json", "LABEL.txt",
            "SHA256SUMS"} <= names
    assert json.loads((tmp_path / "cutoffs.json").read_text()) == {"primary": PRIMARY_CUTOFFS,
                                                                  "origin": ORIGIN_CUTOFFS}
    assert (tmp_path / "LABEL.txt").read_text().strip() == "synthetic data, not for clinical use"


def test_save_load_predict_round_trip_is_deterministic(tmp_path):
    config = _write_bundle(tmp_path, with_baseline=True)
    sample = make_sample(3)
    bundle = ALMSSBundle.load(tmp_path)
    assert bundle.config == config
    assert sorted(bundle.networks) == ["baseline", "origin", "primary"]
    first = bundle.predict(sample.phase_inputs, sample.age, sample.sex)
    second = ALMSSBundle.load(tmp_path).predict(sample.phase_inputs, sample.age, sample.sex)
    assert first.primary_probabilities == second.primary_probabilities
    assert sum(first.primary_probabilities.values()) == pytest.approx(1.0)
    assert first.final_class in {"HCC", "ICC", "LM"}
    for phase in PHASES:
        heatmap = first.heatmaps[phase]
        assert heatmap.shape == sample.phase_inputs[phase].hu.shape
        assert heatmap.dtype == np.float32 and 0.0 <= heatmap.min() and heatmap.max() <= 1.0
        np.testing.assert_array_equal(heatmap, second.heatmaps[phase])
    assert {"preprocess_s", "classify_s", "gradcam_s", "total_s"} <= set(first.timings)


def test_hierarchy_in_predict_follows_the_stored_cutoffs(tmp_path):
    _write_bundle(tmp_path)
    sample = make_sample(4)
    cutoffs = json.loads((tmp_path / "cutoffs.json").read_text())
    # Only LM can pass (the others need more than certainty): network 2 must run.
    cutoffs["primary"] = {"HCC": 1.1, "ICC": 1.1, "LM": 0.0}
    (tmp_path / "cutoffs.json").write_text(json.dumps(cutoffs))
    lm = ALMSSBundle.load(tmp_path, verify=False).predict(sample.phase_inputs, sample.age, sample.sex, explain=False)
    assert lm.final_class == "LM"
    assert set(lm.origin_probabilities) == {o.value for o in ORIGIN_SYSTEMS}
    assert lm.final_origin in lm.origin_probabilities
    assert lm.heatmaps == {}
    cutoffs["primary"] = {"HCC": 0.0, "ICC": 1.1, "LM": 1.1}
    (tmp_path / "cutoffs.json").write_text(json.dumps(cutoffs))
    hcc = ALMSSBundle.load(tmp_path, verify=False).predict(sample.phase_inputs, sample.age, sample.sex, explain=False)
    assert (hcc.final_class, hcc.final_origin, hcc.origin_probabilities) == ("HCC", None, None)


def test_a_changed_file_is_refused(tmp_path):
    _write_bundle(tmp_path)
    checksum = bundle_checksum(tmp_path)
    assert ALMSSBundle.load(tmp_path).checksum == checksum
    (tmp_path / "cutoffs.json").write_text(json.dumps({"primary": {}, "origin": {}}))
    with pytest.raises(BundleError, match="cutoffs.json: missing or changed"):
        ALMSSBundle.load(tmp_path)


def test_incomplete_bundle_and_mismatched_config_are_refused(tmp_path):
    config = tiny_config()
    save_network(tmp_path, "primary", build_network(config, 3), config, PRIMARY_CUTOFFS)
    with pytest.raises(BundleError, match="missing origin.pt"):
        ALMSSBundle.load(tmp_path)
    other = config.replace(lstm_hidden=12)
    with pytest.raises(BundleError, match="config.json differs"):
        save_network(tmp_path, "origin", build_network(other, 6), other, ORIGIN_CUTOFFS)
