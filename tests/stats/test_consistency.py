"""Internal consistency: the MRMC covariance paths agree with the single-reader DeLong code; the package is pure."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from reader_study.stats.mrmc_covariance import auc_covariance
from reader_study.stats.roc import delong_covariance, stratified_bootstrap_weights, weighted_aucs

REPO = Path(__file__).resolve().parents[2]


def test_mrmc_delong_covariance_equals_roc_delong(vandyke):
    t, r, c = vandyke.ratings.shape
    from_mrmc = auc_covariance(vandyke.ratings, vandyke.truth, "delong")
    aucs, from_roc = delong_covariance(vandyke.truth, vandyke.ratings.reshape(t * r, c))
    assert np.allclose(from_mrmc.covariance, from_roc, rtol=1e-12, atol=0)
    assert np.allclose(from_mrmc.theta.ravel(), aucs, rtol=1e-14)


@pytest.mark.parametrize("covariance", ["jackknife", "delong", "unbiased"])
def test_covariance_matrices_are_symmetric_with_reader_aucs_matching(vandyke, covariance):
    estimate = auc_covariance(vandyke.ratings, vandyke.truth, covariance)
    assert np.allclose(estimate.covariance, estimate.covariance.T, rtol=0, atol=1e-18)
    assert (np.diag(estimate.covariance) > 0).all()


def test_stats_package_imports_nothing_from_django():
    """The pure package never imports django or celery (the parent package's Celery app is not ours)."""
    for path in (REPO / "reader_study" / "stats").glob("*.py"):
        tree = ast.parse(path.read_text())
        names = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
        names += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        assert not [n for n in names if n.split(".")[0] in ("django", "celery", "rest_framework")], path.name


def test_weighted_bootstrap_auc_equals_auc_of_expanded_resample():
    rng = np.random.default_rng(5)
    truth = np.array([0] * 30 + [1] * 20)
    scores = rng.integers(0, 6, size=50).astype(float)
    weights = stratified_bootstrap_weights(truth, 5, rng)
    assert (weights[:, truth == 1].sum(axis=1) == 20).all() and (weights.sum(axis=1) == 50).all()
    for w, auc in zip(weights, weighted_aucs(truth, scores, weights)):
        idx = np.repeat(np.arange(50), w.astype(int))
        assert auc == pytest.approx(roc_auc_score(truth[idx], scores[idx]), abs=1e-12)


def test_weighted_fleiss_bootstrap_equals_statsmodels_on_expanded_resample():
    from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

    from reader_study.stats.agreement import _fleiss_weighted

    from .test_anchors import FLEISS_TABLE

    counts = np.asarray(FLEISS_TABLE, dtype=float)
    weights = stratified_bootstrap_weights(np.zeros(len(counts)), 4, np.random.default_rng(2))
    for w, kappa in zip(weights, _fleiss_weighted(counts, weights)):
        assert kappa == pytest.approx(statsmodels_fleiss(np.repeat(counts, w.astype(int), axis=0)), abs=1e-12)
