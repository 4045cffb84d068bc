"""Empirical ROC AUC, DeLong variance/covariance, paired DeLong test and a stratified bootstrap CI.

The kernel ``psi(x_pos, x_neg)`` is 1 if the diseased case is rated higher, 1/2 if tied, 0 otherwise; the empirical
AUC is its mean over all (diseased, non-diseased) pairs (= Mann-Whitney U / (c1 c0) = ``sklearn`` ``roc_auc_score``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from reader_study.stats.errors import StatsInputError


@dataclass(frozen=True)
class AUCEstimate:
    """An AUC with its standard error and two-sided CI (clipped to [0, 1])."""

    auc: float
    variance: float
    se: float
    ci: tuple[float, float]
    method: str
    n_positive: int
    n_negative: int


@dataclass(frozen=True)
class PairedAUCComparison:
    """DeLong test of AUC(a) - AUC(b) on the same cases."""

    auc_a: float
    auc_b: float
    difference: float
    variance: float
    covariance: float
    se: float
    z: float
    pvalue: float
    ci: tuple[float, float]
    method: str = "DeLong paired test (two-sided, normal)"


def split_by_truth(truth: Sequence[int] | np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (scores of diseased cases, scores of non-diseased cases) along the last axis; check both exist."""
    truth = np.asarray(truth)
    if not np.isin(truth, (0, 1)).all():
        raise StatsInputError("truth must be 0 (non-diseased) or 1 (diseased)")
    pos, neg = truth == 1, truth == 0
    if pos.sum() == 0 or neg.sum() == 0:
        raise StatsInputError(f"AUC needs diseased and non-diseased cases; got {int(pos.sum())} diseased and "
                              f"{int(neg.sum())} non-diseased")
    scores = np.asarray(scores, dtype=float)
    return scores[..., pos], scores[..., neg]


def psi_matrix(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Return psi with shape (..., c1, c0) for scores of shape (..., c1) and (..., c0)."""
    a, b = pos[..., :, None], neg[..., None, :]
    return (a > b) + 0.5 * (a == b)


def empirical_auc(truth: Sequence[int], scores: Sequence[float]) -> float:
    """Return the empirical (trapezoidal) AUC; ties count one half."""
    pos, neg = split_by_truth(truth, np.asarray(scores, dtype=float))
    return float(psi_matrix(pos, neg).mean())


def delong_placements(truth: Sequence[int], scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (AUCs, V10, V01) for scores of shape (m, c): V10 (m, c1) row means, V01 (m, c0) column means of psi."""
    pos, neg = split_by_truth(truth, np.atleast_2d(scores))
    psi = psi_matrix(pos, neg)
    return psi.mean(axis=(-2, -1)), psi.mean(axis=-1), psi.mean(axis=-2)


def delong_covariance(truth: Sequence[int], scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (AUCs (m,), DeLong covariance matrix (m, m)) of m score vectors on the same cases.

    References
    ----------
    DeLong ER, DeLong DM, Clarke-Pearson DL. Comparing the areas under two or more correlated receiver operating
    characteristic curves: a nonparametric approach. Biometrics 1988;44:837-845. doi:10.2307/2531595
    """
    aucs, v10, v01 = delong_placements(truth, scores)
    s10 = np.atleast_2d(np.cov(v10, ddof=1)) if v10.shape[1] > 1 else np.zeros((len(aucs), len(aucs)))
    s01 = np.atleast_2d(np.cov(v01, ddof=1)) if v01.shape[1] > 1 else np.zeros((len(aucs), len(aucs)))
    return aucs, s10 / v10.shape[1] + s01 / v01.shape[1]


def delong_auc(truth: Sequence[int], scores: Sequence[float], alpha: float = 0.05) -> AUCEstimate:
    """Return the empirical AUC with DeLong's variance and a Wald CI (as pROC ``ci.auc(method='delong')``).

    References
    ----------
    DeLong ER et al. Biometrics 1988;44:837-845. Robin X et al. pROC. BMC Bioinformatics 2011;12:77.
    """
    aucs, cov = delong_covariance(truth, np.asarray(scores, dtype=float)[None, :])
    auc, var = float(aucs[0]), float(cov[0, 0])
    se = float(np.sqrt(max(var, 0.0)))
    z = norm.ppf(1 - alpha / 2)
    truth_arr = np.asarray(truth)
    return AUCEstimate(auc, var, se, (max(auc - z * se, 0.0), min(auc + z * se, 1.0)), "DeLong",
                       int((truth_arr == 1).sum()), int((truth_arr == 0).sum()))


def delong_paired(truth: Sequence[int], scores_a: Sequence[float], scores_b: Sequence[float],
                  alpha: float = 0.05) -> PairedAUCComparison:
    """Compare two correlated AUCs on the same cases with DeLong's test (as pROC ``roc.test``).

    References
    ----------
    DeLong ER, DeLong DM, Clarke-Pearson DL. Biometrics 1988;44:837-845. doi:10.2307/2531595
    """
    aucs, cov = delong_covariance(truth, np.vstack([np.asarray(scores_a, float), np.asarray(scores_b, float)]))
    diff = float(aucs[0] - aucs[1])
    var = float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    se = float(np.sqrt(max(var, 0.0)))
    if se == 0:
        z, p = (0.0, 1.0) if diff == 0 else (float(np.copysign(np.inf, diff)), 0.0)
    else:
        z = diff / se
        p = float(2 * norm.sf(abs(z)))
    q = norm.ppf(1 - alpha / 2)
    return PairedAUCComparison(float(aucs[0]), float(aucs[1]), diff, var, float(cov[0, 1]), se, z, p,
                               (diff - q * se, diff + q * se))


def stratified_bootstrap_weights(strata: Sequence, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Return (n_resamples, n) counts of each case in resamples drawn with replacement within each stratum.

    Each stratum of n_s cases contributes n_s draws, so the class sizes are the same in every resample.
    """
    strata = np.asarray(strata)
    weights = np.zeros((n_resamples, strata.size))
    rows = np.arange(n_resamples)[:, None]
    for value in dict.fromkeys(strata.tolist()):
        members = np.flatnonzero(strata == value)
        draws = rng.integers(0, members.size, size=(n_resamples, members.size))
        counts = np.bincount((rows * members.size + draws).ravel(), minlength=n_resamples * members.size)
        weights[:, members] = counts.reshape(n_resamples, members.size)
    return weights


def weighted_aucs(truth: np.ndarray, scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return the empirical AUC of each resample given case counts ``weights`` (B, n), via w_pos' psi w_neg.

    Exact for resamples with the class sizes of the original data (as :func:`stratified_bootstrap_weights`).
    """
    truth = np.asarray(truth).astype(bool)
    psi = psi_matrix(np.asarray(scores, float)[truth], np.asarray(scores, float)[~truth])
    w_pos, w_neg = weights[:, truth], weights[:, ~truth]
    return np.einsum("bp,pq,bq->b", w_pos, psi, w_neg, optimize=True) / (truth.sum() * (~truth).sum())


def bootstrap_auc_ci(truth: Sequence[int], scores: Sequence[float], n_resamples: int = 2000, seed: int = 0,
                     alpha: float = 0.05) -> AUCEstimate:
    """Return the AUC with a percentile CI from a bootstrap stratified by truth (class sizes fixed).

    Notes
    -----
    Resampling within the diseased and non-diseased groups keeps both classes in every resample, so the AUC is
    always defined. The random generator is ``numpy.random.default_rng(seed)``; the same seed gives the same CI.

    References
    ----------
    Efron B, Tibshirani RJ. An Introduction to the Bootstrap. Chapman & Hall; 1993. Ch. 13.
    """
    truth_arr = np.asarray(truth).astype(int)
    score_arr = np.asarray(scores, dtype=float)
    auc = empirical_auc(truth_arr, score_arr)
    weights = stratified_bootstrap_weights(truth_arr, n_resamples, np.random.default_rng(seed))
    boot = weighted_aucs(truth_arr, score_arr, weights)
    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    var = float(boot.var(ddof=1))
    return AUCEstimate(auc, var, float(np.sqrt(var)), (float(lo), float(hi)),
                       f"stratified bootstrap percentile ({n_resamples} resamples, seed {seed})",
                       int((truth_arr == 1).sum()), int((truth_arr == 0).sum()))
