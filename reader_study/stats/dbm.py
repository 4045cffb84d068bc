"""Dorfman-Berbaum-Metz (DBM) analysis with Hillis' denominator, from jackknife pseudovalues (empirical AUC).

Used as an independent second path: for the empirical AUC the mean pseudovalue equals the AUC, so DBM-Hillis and
OR-jackknife RRRC give identical F, ddf and p (Hillis 2005). The 1992 DBM denominator is not offered (it can go
negative, e.g. on the Franken data).

References
----------
Dorfman DD, Berbaum KS, Metz CE. Receiver operating characteristic rating analysis: generalization to the
population of readers and patients with the jackknife method. Invest Radiol 1992;27:723-731.
Hillis SL, Obuchowski NA, Schartz KM, Berbaum KS. A comparison of the Dorfman-Berbaum-Metz and Obuchowski-Rockette
methods for receiver operating characteristic (ROC) data. Stat Med 2005;24:1579-1607. doi:10.1002/sim.2024
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import f

from reader_study.stats.errors import MRMCDesignError
from reader_study.stats.roc import psi_matrix


@dataclass(frozen=True)
class DBMResult:
    """Pseudovalue mean squares and the DBM-Hillis random-reader random-case F test."""

    ms: dict
    f: float
    df1: int
    ddf: float
    pvalue: float


def auc_pseudovalues(ratings: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Return pseudovalues Y_ijk = c AUC_ij - (c - 1) AUC_ij(k), shape (t, r, c) with diseased cases first."""
    truth = np.asarray(truth).astype(int)
    pos, neg = ratings[..., truth == 1], ratings[..., truth == 0]
    c1, c0 = pos.shape[-1], neg.shape[-1]
    if c1 < 2 or c0 < 2:
        raise MRMCDesignError(f"AUC needs at least two diseased and two non-diseased cases; got {c1} and {c0}")
    psi = psi_matrix(pos, neg)
    rows, cols = psi.sum(axis=-1), psi.sum(axis=-2)
    total = rows.sum(axis=-1, keepdims=True)
    jack = np.concatenate([(total - rows) / ((c1 - 1) * c0), (total - cols) / (c1 * (c0 - 1))], axis=-1)
    c = c1 + c0
    return c * (total / (c1 * c0)) - (c - 1) * jack


def dbm_hillis(ratings: np.ndarray, truth: np.ndarray) -> DBMResult:
    """Run the three-way T x R x C ANOVA of AUC pseudovalues and the DBM test with Hillis' denominator."""
    y = auc_pseudovalues(ratings, truth)
    t, r, c = y.shape
    g = y.mean()
    m_t, m_r, m_c = y.mean(axis=(1, 2)), y.mean(axis=(0, 2)), y.mean(axis=(0, 1))
    m_tr, m_tc, m_rc = y.mean(axis=2), y.mean(axis=1), y.mean(axis=0)
    ms = {
        "T": r * c * ((m_t - g) ** 2).sum() / (t - 1),
        "R": t * c * ((m_r - g) ** 2).sum() / (r - 1),
        "C": t * r * ((m_c - g) ** 2).sum() / (c - 1),
        "TR": c * ((m_tr - m_t[:, None] - m_r[None, :] + g) ** 2).sum() / ((t - 1) * (r - 1)),
        "TC": r * ((m_tc - m_t[:, None] - m_c[None, :] + g) ** 2).sum() / ((t - 1) * (c - 1)),
        "RC": t * ((m_rc - m_r[:, None] - m_c[None, :] + g) ** 2).sum() / ((r - 1) * (c - 1)),
    }
    resid = (y - m_tr[:, :, None] - m_tc[:, None, :] - m_rc[None, :, :] + m_t[:, None, None]
             + m_r[None, :, None] + m_c[None, None, :] - g)
    ms["TRC"] = (resid ** 2).sum() / ((t - 1) * (r - 1) * (c - 1))
    ms = {k: float(v) for k, v in ms.items()}
    denominator = ms["TR"] + max(ms["TC"] - ms["TRC"], 0.0)
    ddf = denominator ** 2 / (ms["TR"] ** 2 / ((t - 1) * (r - 1)))
    stat = ms["T"] / denominator
    return DBMResult(ms, stat, t - 1, ddf, float(f.sf(stat, t - 1, ddf)))
