"""Cut-offs chosen at best F1 and the two-network hierarchy (paper, Methods "Overview of ALMSS").

The paper: "we selected the cut-off values that yield best F1 scores for each classification
task" and "if a metastatic lesion is identified in the initial step, the second neural network is
activated". Neither is in the authors' code (argmax only), so the rules below are ours:

* Cut-off per class, one-vs-rest on validation probabilities: the candidate thresholds are the
  observed scores of that class; a case is positive when its score is >= the threshold; the
  threshold with the highest F1 wins, ties going to the highest threshold (fewest false positives).
  A class without positive validation cases gets ``DEFAULT_CUTOFF``.
* Final call: among the classes whose probability reaches its cut-off, the one with the largest
  probability / cut-off ratio (how far past its own bar it is); if no class reaches its cut-off,
  the argmax of the probabilities. With all cut-offs equal this is the plain argmax.
* Hierarchy: network 2 (origin) runs only when network 1's final call is liver metastasis.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["best_f1_cutoff", "select_cutoffs", "final_call", "HierarchicalCall", "hierarchical_call"]

DEFAULT_CUTOFF = 0.5
METASTASIS = "LM"


def best_f1_cutoff(is_positive: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """Return (cut-off, F1) maximising one-vs-rest F1 with the rule ``score >= cut-off``."""
    is_positive = np.asarray(is_positive, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    n_positive = int(is_positive.sum())
    if n_positive == 0:
        return DEFAULT_CUTOFF, 0.0
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_positive = scores[order], is_positive[order]
    true_pos = np.cumsum(sorted_positive)
    called = np.arange(1, len(scores) + 1)
    # Only the last index of each run of equal scores is a valid threshold (ties are called together).
    last_of_run = np.r_[sorted_scores[1:] != sorted_scores[:-1], True]
    f1 = np.where(last_of_run, 2 * true_pos / (called + n_positive), -1.0)
    best = int(np.argmax(f1))  # first maximum = highest threshold among ties
    return float(sorted_scores[best]), float(f1[best])


def select_cutoffs(y_true: Sequence[int], probabilities: np.ndarray, class_names: Sequence[str]) -> dict[str, float]:
    """Best-F1 cut-off of every class (one-vs-rest) from validation labels and probabilities."""
    y_true = np.asarray(y_true)
    probabilities = np.asarray(probabilities)
    if probabilities.shape != (len(y_true), len(class_names)):
        raise ValueError(f"probabilities must be ({len(y_true)}, {len(class_names)}), got {probabilities.shape}")
    return {name: best_f1_cutoff(y_true == i, probabilities[:, i])[0] for i, name in enumerate(class_names)}


def final_call(probabilities: Mapping[str, float], cutoffs: Mapping[str, float]) -> str:
    """Apply the cut-off rule (see module docstring) to one case's class probabilities."""
    above = {name: p / max(cutoffs[name], 1e-6) for name, p in probabilities.items() if p >= cutoffs[name]}
    if above:
        return max(above, key=above.get)
    return max(probabilities, key=probabilities.get)


@dataclass(frozen=True)
class HierarchicalCall:
    final_class: str
    final_origin: str | None
    origin_probabilities: dict[str, float] | None


def hierarchical_call(
    primary_probabilities: Mapping[str, float],
    primary_cutoffs: Mapping[str, float],
    predict_origin: Callable[[], Mapping[str, float]],
    origin_cutoffs: Mapping[str, float],
) -> HierarchicalCall:
    """Call network 1; only if its final call is LM, run ``predict_origin`` (network 2) and call it."""
    final_class = final_call(primary_probabilities, primary_cutoffs)
    if final_class != METASTASIS:
        return HierarchicalCall(final_class, None, None)
    origin_probabilities = dict(predict_origin())
    return HierarchicalCall(final_class, final_call(origin_probabilities, origin_cutoffs), origin_probabilities)
