"""Inter-rater agreement: Cohen's kappa for pairs (reader-reader, reader-AI), Fleiss' kappa across readers."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from reader_study.stats.errors import StatsInputError
from reader_study.stats.roc import stratified_bootstrap_weights


@dataclass(frozen=True)
class KappaResult:
    """A kappa with its standard error (nan when not available) and two-sided CI."""

    kappa: float
    se: float
    ci: tuple[float, float]
    n_subjects: int
    method: str


def agreement_table(first: Sequence[str], second: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Return the k x k table of paired labels (rows ``first``, columns ``second``)."""
    index = {label: i for i, label in enumerate(labels)}
    table = np.zeros((len(labels), len(labels)), dtype=int)
    for a, b in zip(first, second, strict=True):
        if a not in index or b not in index:
            raise StatsInputError(f"label not in {list(labels)}: {a!r} / {b!r}")
        table[index[a], index[b]] += 1
    return table


def cohen_kappa(first: Sequence[str], second: Sequence[str], labels: Sequence[str], alpha: float = 0.05
                ) -> KappaResult:
    """Cohen's kappa of two raters on the same subjects with its asymptotic SE and Wald CI.

    References
    ----------
    Cohen J. A coefficient of agreement for nominal scales. Educ Psychol Meas 1960;20:37-46.
    doi:10.1177/001316446002000104
    Fleiss JL, Cohen J, Everitt BS. Large sample standard errors of kappa and weighted kappa. Psychol Bull
    1969;72:323-327.
    """
    return cohen_kappa_table(agreement_table(first, second, labels), alpha)


def cohen_kappa_table(table: np.ndarray | Sequence[Sequence[int]], alpha: float = 0.05) -> KappaResult:
    """Cohen's kappa from a square agreement table (statsmodels ``cohens_kappa``)."""
    table = np.asarray(table, dtype=float)
    if table.ndim != 2 or table.shape[0] != table.shape[1] or table.sum() == 0:
        raise StatsInputError(f"need a non-empty square agreement table, got shape {table.shape}")
    res = sm_cohens_kappa(table)
    kappa, se = float(res.kappa), float(res.std_kappa)
    z = norm.ppf(1 - alpha / 2)
    return KappaResult(kappa, se, (kappa - z * se, kappa + z * se),
                       int(table.sum()), "Cohen's kappa, asymptotic SE (Fleiss, Cohen & Everitt 1969), Wald CI")


def fleiss_counts(ratings: np.ndarray | Sequence[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
    """Return the subjects x categories count table from a subjects x raters array of labels."""
    ratings = np.asarray(ratings, dtype=object)
    counts = np.stack([(ratings == label).sum(axis=1) for label in labels], axis=1)
    if (counts.sum(axis=1) != ratings.shape[1]).any():
        raise StatsInputError(f"ratings contain labels outside {list(labels)}")
    return counts


def fleiss_kappa(counts: np.ndarray | Sequence[Sequence[int]], n_resamples: int = 2000, seed: int = 0,
                 alpha: float = 0.05) -> KappaResult:
    """Fleiss' kappa of a subjects x categories count table with a percentile case-bootstrap CI.

    Parameters
    ----------
    counts : array (subjects, categories)
        How many raters put each subject in each category (same number of raters per subject).
    n_resamples : int
        Bootstrap resamples of subjects (0 skips the CI).
    seed : int
        Seed of ``numpy.random.default_rng``.

    Notes
    -----
    statsmodels gives no standard error for Fleiss' kappa; resampling subjects keeps the rater structure.

    References
    ----------
    Fleiss JL. Measuring nominal scale agreement among many raters. Psychol Bull 1971;76:378-382.
    doi:10.1037/h0031619
    """
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2 or counts.shape[0] < 2:
        raise StatsInputError(f"need a subjects x categories table with at least two subjects, got {counts.shape}")
    kappa = float(sm_fleiss_kappa(counts, method="fleiss"))
    if n_resamples <= 0:
        nan = float("nan")
        return KappaResult(kappa, nan, (nan, nan), counts.shape[0], "Fleiss' kappa (no CI)")
    weights = stratified_bootstrap_weights(np.zeros(counts.shape[0]), n_resamples, np.random.default_rng(seed))
    boot = _fleiss_weighted(counts, weights)
    boot = boot[np.isfinite(boot)]
    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    return KappaResult(kappa, float(boot.std(ddof=1)), (float(lo), float(hi)), counts.shape[0],
                       f"Fleiss' kappa, subject bootstrap percentile CI ({n_resamples} resamples, seed {seed})")


def _fleiss_weighted(counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Fleiss' kappa of each resample given subject counts ``weights`` (B, subjects), as statsmodels computes it."""
    n_raters = counts[0].sum()
    n_subjects = counts.shape[0]
    p_subject = ((counts ** 2).sum(axis=1) - n_raters) / (n_raters * (n_raters - 1))
    p_bar = weights @ p_subject / n_subjects
    p_e = ((weights @ counts / (n_subjects * n_raters)) ** 2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (p_bar - p_e) / (1 - p_e)
