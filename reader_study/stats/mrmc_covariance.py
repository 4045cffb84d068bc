"""Figures of merit per (treatment, reader) and their covariance over cases, for the Obuchowski-Rockette analysis.

Flattened index of a (treatment i, reader j) pair is ``i * r + j``. Covariance estimators:

* ``jackknife``: ((c'-1)/c') * sum_k (theta(k) - mean)(theta'(k) - mean'), over the c' cases in the metric's
  denominator (all for AUC and accuracy, diseased for sensitivity, non-diseased for specificity).
* ``delong``: S10/c1 + S01/c0 of the DeLong placement values (AUC).
* ``unbiased``: Gallas' U-statistic estimator (AUC).

For proportions (accuracy, sensitivity, specificity) the three estimators coincide: each equals the sample
covariance of the per-case successes divided by c'.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reader_study.stats.errors import MRMCDesignError
from reader_study.stats.roc import psi_matrix

FOMS = ("auc", "accuracy", "sensitivity", "specificity")
COVARIANCES = ("jackknife", "delong", "unbiased")


@dataclass(frozen=True, eq=False)
class FomCovariance:
    """Reader FOMs ``theta`` (t, r), their covariance (t*r, t*r) and the number of cases the FOM uses."""

    theta: np.ndarray
    covariance: np.ndarray
    n_cases_used: int


def fom_covariance(ratings: np.ndarray, truth: np.ndarray, fom: str, covariance: str) -> FomCovariance:
    """Return FOMs and covariance for ``ratings`` (t, r, c) and ``truth`` (c,) of 0/1.

    For ``auc`` the ratings are confidences (higher = more likely diseased); for the binary FOMs they are calls,
    1 = positive (accuracy counts call == truth).
    """
    if fom not in FOMS:
        raise MRMCDesignError(f"unknown figure of merit {fom!r}; use one of {', '.join(FOMS)}")
    if covariance not in COVARIANCES:
        raise MRMCDesignError(f"unknown covariance {covariance!r}; use one of {', '.join(COVARIANCES)}")
    truth = np.asarray(truth).astype(int)
    if fom == "auc":
        return auc_covariance(ratings, truth, covariance)
    if not np.isin(ratings, (0, 1)).all():
        bad = np.unique(ratings[~np.isin(ratings, (0, 1))])[:5]
        raise MRMCDesignError(f"{fom} needs binary calls (1 = positive, 0 = negative); got ratings {bad.tolist()}")
    if fom == "accuracy":
        successes = ratings == truth
    elif fom == "sensitivity":
        successes = ratings[..., truth == 1] == 1
    else:
        successes = ratings[..., truth == 0] == 0
    return proportion_covariance(successes.astype(float))


def proportion_covariance(successes: np.ndarray) -> FomCovariance:
    """Return the proportion of successes per (treatment, reader) and its jackknife covariance.

    ``successes`` has shape (t, r, c') over the cases in the metric's denominator.
    """
    t, r, c = successes.shape
    if c < 2:
        raise MRMCDesignError(f"the figure of merit uses {c} case(s); the jackknife needs at least two")
    flat = successes.reshape(t * r, c)
    centred = flat - flat.mean(axis=1, keepdims=True)
    cov = centred @ centred.T / (c * (c - 1))
    return FomCovariance(flat.mean(axis=1).reshape(t, r), cov, c)


def auc_covariance(ratings: np.ndarray, truth: np.ndarray, covariance: str) -> FomCovariance:
    """Return empirical AUCs (t, r) and their covariance by jackknife, DeLong or the unbiased estimator."""
    t, r, c = ratings.shape
    pos, neg = ratings[..., truth == 1], ratings[..., truth == 0]
    c1, c0 = pos.shape[-1], neg.shape[-1]
    if c1 < 2 or c0 < 2:
        raise MRMCDesignError(f"AUC needs at least two diseased and two non-diseased cases; got {c1} and {c0}")
    psi = psi_matrix(pos, neg).reshape(t * r, c1, c0)
    rows, cols = psi.sum(axis=2), psi.sum(axis=1)
    total = rows.sum(axis=1)
    theta = (total / (c1 * c0)).reshape(t, r)
    if covariance == "jackknife":
        cov = _auc_jackknife(total, rows, cols, c1, c0)
    elif covariance == "delong":
        cov = np.cov(rows / c0, ddof=1) / c1 + np.cov(cols / c1, ddof=1) / c0
    else:
        cov = _auc_unbiased(psi, rows, cols, total, c1, c0)
    return FomCovariance(theta, np.atleast_2d(cov), c)


def _auc_jackknife(total: np.ndarray, rows: np.ndarray, cols: np.ndarray, c1: int, c0: int) -> np.ndarray:
    """Leave-one-case-out AUCs in closed form (no refits), then the jackknife covariance over all c cases."""
    without_pos = (total[:, None] - rows) / ((c1 - 1) * c0)
    without_neg = (total[:, None] - cols) / (c1 * (c0 - 1))
    jack = np.concatenate([without_pos, without_neg], axis=1)
    c = jack.shape[1]
    centred = jack - jack.mean(axis=1, keepdims=True)
    return (c - 1) / c * (centred @ centred.T)


def _auc_unbiased(psi: np.ndarray, rows: np.ndarray, cols: np.ndarray, total: np.ndarray, c1: int, c0: int
                  ) -> np.ndarray:
    """Gallas (2007) unbiased covariance of AUCs from the moments M1..M4 of products of the psi kernels."""
    flat = psi.reshape(psi.shape[0], -1)
    same_pair = flat @ flat.T
    same_pos = rows @ rows.T
    same_neg = cols @ cols.T
    m1 = same_pair / (c1 * c0)
    m2 = (same_pos - same_pair) / (c1 * c0 * (c0 - 1))
    m3 = (same_neg - same_pair) / (c1 * c0 * (c1 - 1))
    m4 = (np.outer(total, total) - same_pos - same_neg + same_pair) / (c1 * c0 * (c1 - 1) * (c0 - 1))
    return (m1 + (c0 - 1) * m2 + (c1 - 1) * m3 + ((c1 - 1) * (c0 - 1) - c1 * c0) * m4) / (c1 * c0)
