"""Standalone performance of the AI model and its comparison with each reader on the same cases.

Probabilities are one-vs-rest scores per class (columns in ``labels`` order). Binary calls per class use the model's
stored cut-offs (``probability >= cut-off``) when given, else the model's final class.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from reader_study.stats.errors import StatsInputError
from reader_study.stats.proportions import CIMethod, ProportionCI, proportion_ci
from reader_study.stats.roc import (
    AUCEstimate,
    PairedAUCComparison,
    bootstrap_auc_ci,
    delong_auc,
    delong_paired,
    stratified_bootstrap_weights,
    weighted_aucs,
)
from reader_study.stats.tests_2x2 import McNemarMethod, McNemarResult, mcnemar_paired


@dataclass(frozen=True)
class AIClassMetrics:
    """One-vs-rest metrics of one class: AUC (DeLong and bootstrap CIs) and the call-based metrics."""

    label: str
    auc_delong: AUCEstimate
    auc_bootstrap: AUCEstimate
    cutoff: float | None
    sensitivity: ProportionCI
    specificity: ProportionCI
    f1: float


@dataclass(frozen=True)
class AIStandalone:
    """AI standalone metrics on the study's cases."""

    labels: tuple[str, ...]
    n_cases: int
    per_class: tuple[AIClassMetrics, ...]
    macro_auc: float
    macro_auc_ci: tuple[float, float]
    accuracy: ProportionCI
    macro_f1: float
    brier: float
    bootstrap: str
    brier_scale: str = "multiclass Brier score: mean over cases of sum over classes (p - y)^2, range 0-2"


@dataclass(frozen=True)
class AIVersusReader:
    """AI vs one reader: paired DeLong per class when the reader gave ratings, else McNemar on correctness."""

    reader: str
    label: str
    method: str
    delong: PairedAUCComparison | None
    mcnemar: McNemarResult | None


def _check(truth: Sequence[str], probabilities: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    probs = np.asarray(probabilities, dtype=float)
    if probs.shape != (len(truth), len(labels)):
        raise StatsInputError(f"probabilities shape {probs.shape} != ({len(truth)} cases, {len(labels)} classes)")
    missing = [label for label in labels if label not in set(truth)]
    if missing:
        raise StatsInputError(f"class(es) {missing} absent from the truth: one-vs-rest AUC is undefined")
    return probs


def class_calls(probabilities: np.ndarray, predicted: Sequence[str], labels: Sequence[str],
                cutoffs: Mapping[str, float] | None) -> np.ndarray:
    """Return (n, k) boolean one-vs-rest calls: ``p >= cut-off`` per class, or the final class when no cut-offs."""
    if cutoffs:
        return np.stack([probabilities[:, k] >= float(cutoffs[label]) for k, label in enumerate(labels)], axis=1)
    predicted_arr = np.asarray(predicted)
    return np.stack([predicted_arr == label for label in labels], axis=1)


def ai_standalone(truth: Sequence[str], probabilities: np.ndarray, labels: Sequence[str],
                  predicted: Sequence[str] | None = None, cutoffs: Mapping[str, float] | None = None,
                  n_resamples: int = 2000, seed: int = 0, ci_method: CIMethod = "wilson") -> AIStandalone:
    """Return per-class and macro AUC (DeLong and stratified-bootstrap CIs), accuracy, F1, sensitivity,
    specificity and the Brier score of the AI.

    Parameters
    ----------
    truth : sequence of str
        True class per case.
    probabilities : array (n, k)
        Model probabilities, columns in ``labels`` order.
    predicted : sequence of str, optional
        The model's final class per case (default: arg-max of ``probabilities``); used for accuracy.
    cutoffs : mapping label -> float, optional
        The model's stored one-vs-rest cut-offs for sensitivity, specificity and F1.
    n_resamples, seed : int
        Bootstrap resamples (stratified by true class) and the seed of ``numpy.random.default_rng``.

    References
    ----------
    DeLong ER et al. Biometrics 1988;44:837-845. Brier GW. Verification of forecasts expressed in terms of
    probability. Mon Weather Rev 1950;78:1-3. Efron B, Tibshirani RJ. An Introduction to the Bootstrap. 1993.
    """
    probs = _check(truth, probabilities, labels)
    truth_arr = np.asarray(truth)
    if predicted is None:
        predicted = [labels[k] for k in probs.argmax(axis=1)]
    calls = class_calls(probs, predicted, labels, cutoffs)
    onehot = np.stack([truth_arr == label for label in labels], axis=1)
    per_class = tuple(_class_metrics(label, onehot[:, k], probs[:, k], calls[:, k], cutoffs, n_resamples, seed,
                                     ci_method) for k, label in enumerate(labels))
    macro_ci = _macro_auc_bootstrap(truth_arr, onehot, probs, n_resamples, seed)
    correct = int((np.asarray(predicted) == truth_arr).sum())
    return AIStandalone(
        labels=tuple(labels), n_cases=len(truth_arr), per_class=per_class,
        macro_auc=float(np.mean([m.auc_delong.auc for m in per_class])), macro_auc_ci=macro_ci,
        accuracy=proportion_ci(correct, len(truth_arr), ci_method), macro_f1=float(np.mean([m.f1 for m in per_class])),
        brier=float(((probs - onehot) ** 2).sum(axis=1).mean()),
        bootstrap=f"stratified by true class, {n_resamples} resamples, percentile CI, seed {seed}",
    )


def _class_metrics(label: str, positive: np.ndarray, scores: np.ndarray, calls: np.ndarray,
                   cutoffs: Mapping[str, float] | None, n_resamples: int, seed: int,
                   ci_method: CIMethod) -> AIClassMetrics:
    truth01 = positive.astype(int)
    tp, fn = int((calls & positive).sum()), int((~calls & positive).sum())
    fp, tn = int((calls & ~positive).sum()), int((~calls & ~positive).sum())
    f1 = 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else float("nan")
    return AIClassMetrics(label, delong_auc(truth01, scores), bootstrap_auc_ci(truth01, scores, n_resamples, seed),
                          float(cutoffs[label]) if cutoffs else None, proportion_ci(tp, tp + fn, ci_method),
                          proportion_ci(tn, tn + fp, ci_method), float(f1))


def _macro_auc_bootstrap(truth: np.ndarray, onehot: np.ndarray, probs: np.ndarray, n_resamples: int, seed: int,
                         alpha: float = 0.05) -> tuple[float, float]:
    """Percentile CI of the macro one-vs-rest AUC, resampling cases within each true class."""
    weights = stratified_bootstrap_weights(truth, n_resamples, np.random.default_rng(seed))
    per_class = [weighted_aucs(onehot[:, k], probs[:, k], weights) for k in range(probs.shape[1])]
    lo, hi = np.quantile(np.mean(per_class, axis=0), [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def ai_versus_reader(reader: str, truth: Sequence[str], labels: Sequence[str], ai_probabilities: np.ndarray,
                     ai_predicted: Sequence[str], reader_calls: Sequence[str],
                     reader_ratings: np.ndarray | None = None, mcnemar_method: McNemarMethod = "exact"
                     ) -> tuple[AIVersusReader, ...]:
    """Compare the AI with one reader on the same cases (differences are AI minus reader).

    With per-class ratings (n, k) each class gets a paired DeLong test of the one-vs-rest AUCs; without, one
    McNemar test of correctness (AI correct vs reader correct) is returned.
    """
    probs = _check(truth, ai_probabilities, labels)
    truth_arr = np.asarray(truth)
    if reader_ratings is None:
        result = mcnemar_paired(np.asarray(ai_predicted) == truth_arr, np.asarray(reader_calls) == truth_arr,
                                mcnemar_method)
        return (AIVersusReader(reader, "overall", result.method + " (AI correct vs reader correct)", None, result),)
    ratings = np.asarray(reader_ratings, dtype=float)
    if ratings.shape != probs.shape:
        raise StatsInputError(f"reader ratings shape {ratings.shape} != AI probabilities shape {probs.shape}")
    return tuple(AIVersusReader(reader, label, "DeLong paired test of one-vs-rest AUC (AI - reader)",
                                delong_paired((truth_arr == label).astype(int), probs[:, k], ratings[:, k]), None)
                 for k, label in enumerate(labels))
