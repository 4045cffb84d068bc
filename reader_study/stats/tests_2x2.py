"""Two-by-two tests of correct/incorrect reads: the paper's chi-squared (unpaired) and McNemar (paired)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import chi2_contingency
from statsmodels.stats.contingency_tables import mcnemar

from reader_study.stats.errors import StatsInputError

Chi2Correction = Literal["pearson", "yates"]
McNemarMethod = Literal["exact", "chi2", "chi2_corrected"]
CHI2_LABELS = {"pearson": "Pearson chi-squared (no continuity correction)",
               "yates": "chi-squared with Yates continuity correction"}
MCNEMAR_LABELS = {"exact": "McNemar exact (binomial) test", "chi2": "McNemar chi-squared (no continuity correction)",
                  "chi2_corrected": "McNemar chi-squared with continuity correction"}


@dataclass(frozen=True)
class ChiSquareResult:
    """Chi-squared test of a 2x2 table ``[[correct_1, incorrect_1], [correct_2, incorrect_2]]``."""

    table: tuple[tuple[int, int], tuple[int, int]]
    statistic: float
    pvalue: float
    dof: int
    method: str


@dataclass(frozen=True)
class McNemarResult:
    """McNemar test on paired correctness; ``b`` = correct first only, ``c`` = correct second only."""

    table: tuple[tuple[int, int], tuple[int, int]]
    b: int
    c: int
    statistic: float
    pvalue: float
    method: str


def _as_bool(values: Sequence[bool] | np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.size == 0:
        raise StatsInputError(f"{name} must be a non-empty 1-D sequence of booleans")
    return arr.astype(bool)


def correctness_chi2(correct_first: Sequence[bool], correct_second: Sequence[bool],
                     correction: Chi2Correction = "pearson") -> ChiSquareResult:
    """Chi-squared test of correct vs incorrect between two arms, ignoring pairing (as in the ALMSS paper).

    Parameters
    ----------
    correct_first, correct_second : sequence of bool
        Correctness of every read in each arm (e.g. unaided, aided); lengths may differ.
    correction : {"pearson", "yates"}, optional
        Pearson's statistic (default, what SPSS prints first) or with Yates' continuity correction.

    Notes
    -----
    The test treats reads as independent; reads of the same case by the same reader are paired, so prefer McNemar
    per reader and the MRMC analysis for inference. It is offered to replicate the paper.

    References
    ----------
    Pearson K. On the criterion that a given system of deviations... Philos Mag 1900;50:157-175.
    Yates F. Contingency tables involving small numbers and the chi2 test. Suppl J R Stat Soc 1934;1:217-235.
    """
    first, second = _as_bool(correct_first, "correct_first"), _as_bool(correct_second, "correct_second")
    table = ((int(first.sum()), int((~first).sum())), (int(second.sum()), int((~second).sum())))
    return chi2_table(table, correction)


def chi2_table(table: Sequence[Sequence[int]], correction: Chi2Correction = "pearson") -> ChiSquareResult:
    """Chi-squared test of an explicit 2x2 table (rows arms, columns correct / incorrect)."""
    if correction not in CHI2_LABELS:
        raise StatsInputError(f"unknown chi-squared correction {correction!r}; use 'pearson' or 'yates'")
    arr = np.asarray(table, dtype=int)
    if arr.shape != (2, 2):
        raise StatsInputError(f"need a 2x2 table, got shape {arr.shape}")
    if (arr.sum(axis=0) == 0).any() or (arr.sum(axis=1) == 0).any():
        nan = float("nan")
        return ChiSquareResult(_tuple2(arr), nan, nan, 1, CHI2_LABELS[correction] + " (undefined: empty margin)")
    res = chi2_contingency(arr, correction=correction == "yates")
    return ChiSquareResult(_tuple2(arr), float(res.statistic), float(res.pvalue), int(res.dof), CHI2_LABELS[correction])


def mcnemar_paired(correct_first: Sequence[bool], correct_second: Sequence[bool],
                   method: McNemarMethod = "exact") -> McNemarResult:
    """McNemar test of paired correctness (same reader, same cases, two arms).

    Parameters
    ----------
    correct_first, correct_second : sequence of bool
        Correctness per case in each arm, aligned by case.
    method : {"exact", "chi2", "chi2_corrected"}, optional
        Exact binomial test on the discordant pairs (default), or the chi-squared approximation without or with
        continuity correction. For ``exact`` the statistic is min(b, c).

    References
    ----------
    McNemar Q. Note on the sampling error of the difference between correlated proportions or percentages.
    Psychometrika 1947;12:153-157. doi:10.1007/BF02295996
    Agresti A. Categorical Data Analysis, 3rd ed. Wiley; 2013. Section 11.1.
    """
    first, second = _as_bool(correct_first, "correct_first"), _as_bool(correct_second, "correct_second")
    if first.shape != second.shape:
        raise StatsInputError(f"paired arms differ in length: {first.size} vs {second.size}")
    table = np.array([[np.sum(first & second), np.sum(first & ~second)],
                      [np.sum(~first & second), np.sum(~first & ~second)]])
    return mcnemar_table(table, method)


def mcnemar_table(table: Sequence[Sequence[int]], method: McNemarMethod = "exact") -> McNemarResult:
    """McNemar test of an explicit paired 2x2 table (off-diagonal cells are the discordant pairs)."""
    if method not in MCNEMAR_LABELS:
        raise StatsInputError(f"unknown McNemar method {method!r}; use one of {list(MCNEMAR_LABELS)}")
    arr = np.asarray(table, dtype=int)
    if arr.shape != (2, 2):
        raise StatsInputError(f"need a 2x2 table, got shape {arr.shape}")
    b, c = int(arr[0, 1]), int(arr[1, 0])
    if b + c == 0:
        return McNemarResult(_tuple2(arr), b, c, 0.0, 1.0, MCNEMAR_LABELS[method] + " (no discordant pairs)")
    res = mcnemar(arr, exact=method == "exact", correction=method == "chi2_corrected")
    return McNemarResult(_tuple2(arr), b, c, float(res.statistic), float(res.pvalue), MCNEMAR_LABELS[method])


def _tuple2(arr: np.ndarray) -> tuple[tuple[int, int], tuple[int, int]]:
    return (int(arr[0, 0]), int(arr[0, 1])), (int(arr[1, 0]), int(arr[1, 1]))
