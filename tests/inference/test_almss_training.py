"""Training: class-balanced loss, augmentation, a tiny run that learns, checkpoints and exact resume."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from almss_factories import make_sample, tiny_config

from inference.almss.data import build_dataset, class_names_for
from inference.almss.training import ClassBalancedLoss, augment_batch, class_balanced_weights, train_network
from inference.almss.workflow import evaluate_bundle, hierarchical_accuracy, train_and_save

ORIGIN_NAMES = class_names_for("origin")

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def datasets():
    config = tiny_config()
    train = build_dataset([make_sample(seed) for seed in range(16)], config, "primary")
    validation = build_dataset([make_sample(seed) for seed in range(100, 106)], config, "primary")
    return train, validation


def test_class_balanced_weights_favour_rare_classes_and_sum_to_class_count():
    weights = class_balanced_weights(np.array([900, 300, 10]), beta=0.999)
    assert weights.sum().item() == pytest.approx(3.0)
    assert weights[2] > weights[1] > weights[0]
    equal = class_balanced_weights(np.array([5, 5, 5]))
    assert torch.allclose(equal, torch.ones(3))
    assert torch.isfinite(class_balanced_weights(np.array([4, 0, 2]))).all()


def test_focal_loss_is_below_cross_entropy_and_equal_at_gamma_zero():
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
    labels = torch.tensor([0, 2])
    weights = torch.ones(3)
    ce = ClassBalancedLoss(weights, "ce")(logits, labels)
    assert ce.item() == pytest.approx(torch.nn.functional.cross_entropy(logits, labels).item())
    assert ClassBalancedLoss(weights, "focal", gamma=0.0)(logits, labels).item() == pytest.approx(ce.item())
    assert ClassBalancedLoss(weights, "focal", gamma=2.0)(logits, labels) < ce


def test_augmentation_keeps_shape_range_and_background():
    config = tiny_config(augment_prob=1.0, noise_std=0.1)
    images = torch.full((2, 4, 2, *config.input_size), -1.0)
    images[..., 2:6, 8:24, 8:24] = 0.3
    clinical = torch.tensor([[0.5, 1.0, 0.0], [0.6, 0.0, 1.0]])
    out, out_clinical = augment_batch(images, clinical, config, torch.Generator().manual_seed(0))
    assert out.shape == images.shape
    assert out.min() >= -1.0 and out.max() <= 1.0
    assert (out[..., 0, :, :] == -1.0).all()  # slices without tissue stay background
    assert not torch.equal(out, images)
    assert (out_clinical[:, 1:] == clinical[:, 1:]).all()
    assert (out_clinical[:, 0] - clinical[:, 0]).abs().max() <= config.age_jitter
    # All phases and channels of one case get the same geometric transform.
    inside = out[0] > -0.9
    assert (inside == inside[0, 0]).float().mean() > 0.95


def test_tiny_training_run_lowers_the_loss_and_writes_checkpoints(datasets, tmp_path):
    train, validation = datasets
    config = tiny_config(augment_prob=0.0, lr=3e-3)
    result = train_network(config, train, validation, tmp_path, epochs=3, progress=False)
    losses = [record["train_loss"] for record in result.history]
    assert len(losses) == 3
    assert losses[-1] < losses[0]
    assert (tmp_path / "last.pt").exists() and (tmp_path / "best.pt").exists()
    assert 1 <= result.best_epoch <= 3
    assert not result.model.training


def test_resume_continues_exactly_where_the_run_stopped(datasets, tmp_path):
    train, validation = datasets
    config = tiny_config()
    straight = train_network(config, train, validation, tmp_path / "straight", epochs=2, progress=False)
    train_network(config, train, validation, tmp_path / "split", epochs=1, progress=False)
    resumed = train_network(config, train, validation, tmp_path / "split", epochs=2, resume=True, progress=False)
    assert [r["epoch"] for r in resumed.history] == [1, 2]
    assert resumed.history[-1]["train_loss"] == pytest.approx(straight.history[-1]["train_loss"], rel=1e-5)
    state = torch.load(tmp_path / "split" / "last.pt", weights_only=True)
    straight_state = torch.load(tmp_path / "straight" / "last.pt", weights_only=True)
    for name, tensor in straight_state["model"].items():
        torch.testing.assert_close(state["model"][name], tensor)
    with pytest.raises(ValueError, match="another config"):
        train_network(config.replace(lr=1e-2), train, validation, tmp_path / "split", epochs=3, resume=True,
                      progress=False)


def test_origin_dataset_holds_only_metastases_with_origin_labels():
    config = tiny_config()
    samples = [make_sample(seed) for seed in range(9)]
    origin = build_dataset(samples, config, "origin")
    assert len(origin) == sum(s.tumour_class == "LM" for s in samples)
    assert origin.images.shape[1:] == (4, 2, *config.input_size)
    assert origin.class_names[origin.labels[0]] == samples[2].origin


def test_train_and_save_then_evaluate_all_three_networks(datasets, tmp_path):
    train, validation = datasets
    config = tiny_config()
    for network in ("primary", "origin", "baseline"):
        result = train_and_save(config, network, train, validation, tmp_path, epochs=1, n_bootstrap=20,
                                progress=False, label="synthetic data, not for clinical use")
        assert set(result["cutoffs"]) == set(class_names_for(network))
        assert result["metrics"]["training"]["epochs"] == 1
    assert (tmp_path / "baseline.pt").exists()
    report = evaluate_bundle(tmp_path, validation, tmp_path / "eval", "validation", n_bootstrap=20)
    assert report["primary"]["n_cases"] == len(validation)
    assert report["origin"]["n_cases"] == int((validation.origin_labels >= 0).sum())
    assert report["baseline"]["classes"] == ["HCC", "ICC", "LM"]
    assert 0.0 <= report["hierarchical_eight_class_accuracy"] <= 1.0
    assert (tmp_path / "eval" / "roc_baseline_validation.png").exists()
    assert json.loads((tmp_path / "eval" / "metrics_validation.json").read_text())["checksum"] == report["checksum"]


def test_hierarchical_accuracy_needs_class_and_origin_right(datasets):
    _, validation = datasets
    n = len(validation)
    primary = np.eye(3)[validation.labels]  # network 1 always right
    origin = np.eye(6)[np.maximum(validation.origin_labels, 0)]  # network 2 right on every metastasis
    cutoffs = {"primary": dict.fromkeys(("HCC", "ICC", "LM"), 0.5), "origin": dict.fromkeys(ORIGIN_NAMES, 0.5)}
    assert hierarchical_accuracy(validation, primary, origin, cutoffs, ORIGIN_NAMES) == 1.0
    wrong_origin = np.roll(origin, 1, axis=1)
    n_lm = int((validation.origin_labels >= 0).sum())
    assert hierarchical_accuracy(validation, primary, wrong_origin, cutoffs, ORIGIN_NAMES) == pytest.approx(
        (n - n_lm) / n)
