"""Reader performance on categorical calls: accuracy, one-vs-rest sensitivity/specificity, confusion matrices.

Works for the three-class diagnosis (HCC / ICC / LM) and for the six-class origin of metastases. For origin, the
denominator must be chosen (see :func:`origin_outcomes`): by default all true metastases, so a metastasis the reader
did not call a metastasis counts as a wrong origin.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from reader_study.stats.errors import StatsInputError
from reader_study.stats.proportions import CIMethod, ProportionCI, proportion_ci

NOT_METASTASIS = "not_metastasis"
OriginDenominator = Literal["all_true_metastases", "called_metastasis"]
ORIGIN_DENOMINATOR_TEXT = {
    "all_true_metastases": "all true metastases (a metastasis not called a metastasis counts as a wrong origin)",
    "called_metastasis": "true metastases that the reader called a metastasis",
}


@dataclass(frozen=True)
class ConfusionMatrix:
    """Counts with true labels as rows and called labels as columns (``call_labels`` may add e.g. 'not LM')."""

    labels: tuple[str, ...]
    call_labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]

    def as_array(self) -> np.ndarray:
        return np.asarray(self.counts, dtype=int)


@dataclass(frozen=True)
class OneVsRest:
    """Sensitivity and specificity of one class against all others."""

    label: str
    sensitivity: ProportionCI
    specificity: ProportionCI


@dataclass(frozen=True)
class ClassificationPerformance:
    """Accuracy, one-vs-rest sensitivity/specificity per class and the confusion matrix of one set of calls."""

    n: int
    accuracy: ProportionCI
    per_class: tuple[OneVsRest, ...]
    confusion: ConfusionMatrix


@dataclass(frozen=True)
class ReadOutcome:
    """One categorical read: who read it, in which arm, the truth and the call (for grouping)."""

    reader: str
    reader_group: str
    arm: str
    case: str
    truth: str
    call: str


@dataclass(frozen=True)
class GroupPerformance:
    """Performance of one group of reads (``level`` is 'reader', 'reader_group' or 'pooled')."""

    level: str
    key: str
    arm: str
    performance: ClassificationPerformance


def confusion_matrix(truth: Sequence[str], calls: Sequence[str], labels: Sequence[str],
                     call_labels: Sequence[str] | None = None) -> ConfusionMatrix:
    """Return the confusion matrix of ``calls`` against ``truth`` (rows truth, columns calls)."""
    call_labels = tuple(call_labels or labels)
    row = {label: i for i, label in enumerate(labels)}
    col = {label: i for i, label in enumerate(call_labels)}
    counts = np.zeros((len(labels), len(call_labels)), dtype=int)
    for true, call in zip(truth, calls, strict=True):
        if true not in row or call not in col:
            raise StatsInputError(f"label not in the label set: truth {true!r}, call {call!r}")
        counts[row[true], col[call]] += 1
    return ConfusionMatrix(tuple(labels), call_labels, tuple(tuple(int(v) for v in r) for r in counts))


def classification_performance(truth: Sequence[str], calls: Sequence[str], labels: Sequence[str],
                               ci_method: CIMethod = "wilson", call_labels: Sequence[str] | None = None,
                               alpha: float = 0.05) -> ClassificationPerformance:
    """Return accuracy and one-vs-rest sensitivity/specificity with CIs, and the confusion matrix.

    Parameters
    ----------
    truth, calls : sequence of str
        True and called label per read, same length.
    labels : sequence of str
        The classes (rows of the confusion matrix; one-vs-rest metrics are computed for each).
    ci_method : {"wilson", "clopper-pearson"}, optional
        Interval for every proportion (default Wilson).
    call_labels : sequence of str, optional
        Columns of the confusion matrix when calls may fall outside ``labels`` (e.g. 'not_metastasis').

    Notes
    -----
    Sensitivity of class k = calls k among reads whose truth is k; specificity = calls other than k among reads
    whose truth is not k. Reads are treated as independent here; use the MRMC analysis for study-level inference.

    References
    ----------
    Altman DG, Bland JM. Diagnostic tests 1: sensitivity and specificity. BMJ 1994;308:1552.
    """
    cm = confusion_matrix(truth, calls, labels, call_labels)
    counts = cm.as_array()
    n = int(counts.sum())
    correct = int(sum(counts[i, cm.call_labels.index(label)] for i, label in enumerate(labels)
                      if label in cm.call_labels))
    per_class = []
    for i, label in enumerate(labels):
        j = cm.call_labels.index(label) if label in cm.call_labels else None
        tp = int(counts[i, j]) if j is not None else 0
        positives = int(counts[i].sum())
        called_k_not_k = int(counts[:, j].sum()) - tp if j is not None else 0
        negatives = n - positives
        per_class.append(OneVsRest(label, proportion_ci(tp, positives, ci_method, alpha),
                                   proportion_ci(negatives - called_k_not_k, negatives, ci_method, alpha)))
    return ClassificationPerformance(n, proportion_ci(correct, n, ci_method, alpha), tuple(per_class), cm)


def origin_outcomes(true_classes: Sequence[str], true_origins: Sequence[str | None], called_classes: Sequence[str],
                    called_origins: Sequence[str | None], metastasis_label: str = "LM",
                    denominator: OriginDenominator = "all_true_metastases") -> tuple[list[int], list[str], list[str]]:
    """Select the reads that enter origin (six-class) metrics; return (indices, true origins, called origins).

    Parameters
    ----------
    denominator : {"all_true_metastases", "called_metastasis"}
        ``all_true_metastases`` (default): every case whose truth is a metastasis; a read that did not call a
        metastasis gets the call ``'not_metastasis'`` and is wrong. ``called_metastasis``: only true metastases the
        reader called a metastasis (conditional origin accuracy).
    """
    if denominator not in ORIGIN_DENOMINATOR_TEXT:
        raise StatsInputError(f"unknown origin denominator {denominator!r}; use one of {list(ORIGIN_DENOMINATOR_TEXT)}")
    keep, truth, calls = [], [], []
    for i, (t_cls, t_org, c_cls, c_org) in enumerate(zip(true_classes, true_origins, called_classes, called_origins,
                                                          strict=True)):
        if t_cls != metastasis_label:
            continue
        called_lm = c_cls == metastasis_label and c_org
        if not called_lm and denominator == "called_metastasis":
            continue
        keep.append(i)
        truth.append(str(t_org))
        calls.append(str(c_org) if called_lm else NOT_METASTASIS)
    return keep, truth, calls


def performance_by_group(outcomes: Sequence[ReadOutcome], labels: Sequence[str], ci_method: CIMethod = "wilson",
                         call_labels: Sequence[str] | None = None) -> list[GroupPerformance]:
    """Return performance per reader, per reader group and pooled, each per arm (in first-seen arm order)."""
    levels: list[tuple[str, Callable[[ReadOutcome], Hashable]]] = [
        ("reader", lambda o: o.reader), ("reader_group", lambda o: o.reader_group), ("pooled", lambda o: "all")]
    arms = list(dict.fromkeys(o.arm for o in outcomes))
    rows = []
    for level, key_of in levels:
        keys = list(dict.fromkeys(key_of(o) for o in outcomes))
        for key in keys:
            for arm in arms:
                chosen = [o for o in outcomes if key_of(o) == key and o.arm == arm]
                if not chosen:
                    continue
                perf = classification_performance([o.truth for o in chosen], [o.call for o in chosen], labels,
                                                  ci_method, call_labels)
                rows.append(GroupPerformance(level, str(key), arm, perf))
    return rows
