"""Classification metrics of the paper (Table 3): per class and macro AUC with bootstrap 95% CI,
accuracy, F1, sensitivity, specificity and Brier score; ROC plots.

Per-class metrics are one-vs-rest. Threshold metrics use the final call of
:func:`inference.almss.cutoffs.final_call` (best-F1 cut-offs) when cut-offs are given, else argmax.
The AUC CI is a percentile bootstrap over cases (seeded, resamples lacking a positive or a negative
are skipped).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score, roc_curve
from torch import nn

from inference.almss.cutoffs import final_call
from inference.almss.data import PreparedDataset

__all__ = ["predict_dataset", "macro_auc", "bootstrap_auc_ci", "classification_metrics", "plot_roc", "json_safe"]


@torch.no_grad()
def predict_dataset(model: nn.Module, data: PreparedDataset, batch_size: int = 8) -> np.ndarray:
    """Softmax probabilities (N, n_classes) of a prepared data set, in eval mode."""
    model.eval()
    device = next(model.parameters()).device
    chunks = []
    for start in range(0, len(data), batch_size):
        images = torch.from_numpy(data.images[start : start + batch_size])
        clinical = torch.from_numpy(data.clinical[start : start + batch_size])
        chunks.append(torch.softmax(model(images.to(device), clinical.to(device)), dim=1).cpu().numpy())
    return np.concatenate(chunks).astype(np.float64)


def _class_auc(is_positive: np.ndarray, scores: np.ndarray) -> float:
    if is_positive.all() or not is_positive.any():
        return float("nan")
    return float(roc_auc_score(is_positive, scores))


def macro_auc(y_true: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean one-vs-rest AUC over the classes that have both positives and negatives (nan if none)."""
    aucs = [_class_auc(y_true == c, probabilities[:, c]) for c in range(probabilities.shape[1])]
    aucs = [a for a in aucs if not np.isnan(a)]
    return float(np.mean(aucs)) if aucs else float("nan")


def bootstrap_auc_ci(
    y_true: np.ndarray, probabilities: np.ndarray, n_bootstrap: int = 1000, seed: int = 42, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile CIs of each class's AUC and of the macro AUC: arrays (n_classes + 1, 2), last row macro."""
    rng = np.random.default_rng(seed)
    n, k = probabilities.shape
    draws = np.full((n_bootstrap, k + 1), np.nan)
    for b in range(n_bootstrap):
        idx = rng.integers(0, n, n)
        yb, pb = y_true[idx], probabilities[idx]
        draws[b, :k] = [_class_auc(yb == c, pb[:, c]) for c in range(k)]
        draws[b, k] = np.nanmean(draws[b, :k]) if not np.isnan(draws[b, :k]).all() else np.nan
    ci = np.full((k + 1, 2), np.nan)
    for j in range(k + 1):
        valid = draws[~np.isnan(draws[:, j]), j]
        if len(valid):
            ci[j] = np.quantile(valid, [alpha / 2, 1 - alpha / 2])
    return ci[:k], ci[k]


def _calls(probabilities: np.ndarray, class_names: Sequence[str], cutoffs: Mapping[str, float] | None) -> np.ndarray:
    if cutoffs is None:
        return probabilities.argmax(axis=1)
    names = list(class_names)
    return np.array([names.index(final_call(dict(zip(names, row)), cutoffs)) for row in probabilities])


def _binary_metrics(is_positive: np.ndarray, called: np.ndarray) -> dict[str, float]:
    tp = int(np.sum(is_positive & called))
    tn = int(np.sum(~is_positive & ~called))
    fp = int(np.sum(~is_positive & called))
    fn = int(np.sum(is_positive & ~called))
    ratio = lambda a, b: float(a / b) if b else float("nan")  # noqa: E731
    return {
        "accuracy": ratio(tp + tn, tp + tn + fp + fn),
        "sensitivity": ratio(tp, tp + fn),
        "specificity": ratio(tn, tn + fp),
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
    }


def classification_metrics(
    y_true: Sequence[int],
    probabilities: np.ndarray,
    class_names: Sequence[str],
    cutoffs: Mapping[str, float] | None = None,
    n_bootstrap: int = 1000,
    seed: int = 42,
) -> dict:
    """Per-class and macro metrics as a JSON-ready dict (nan becomes None)."""
    y_true = np.asarray(y_true)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    calls = _calls(probabilities, class_names, cutoffs)
    class_ci, macro_ci = bootstrap_auc_ci(y_true, probabilities, n_bootstrap, seed)
    per_class = {}
    for c, name in enumerate(class_names):
        is_positive = y_true == c
        per_class[name] = {
            "n_positive": int(is_positive.sum()),
            "auc": _class_auc(is_positive, probabilities[:, c]),
            "auc_ci95": class_ci[c].tolist(),
            "brier": float(np.mean((probabilities[:, c] - is_positive) ** 2)),
            **_binary_metrics(is_positive, calls == c),
        }
    macro = {key: float(np.nanmean([m[key] for m in per_class.values()]))
             for key in ("auc", "accuracy", "sensitivity", "specificity", "f1", "brier")
             if not all(np.isnan(m[key]) for m in per_class.values())}
    macro["auc_ci95"] = macro_ci.tolist()
    one_hot = np.eye(len(class_names))[y_true]
    result = {
        "n_cases": len(y_true),
        "classes": list(class_names),
        "overall_accuracy": float(np.mean(calls == y_true)),
        "brier_multiclass": float(np.mean(np.sum((probabilities - one_hot) ** 2, axis=1))),
        "per_class": per_class,
        "macro": macro,
        "cutoffs": dict(cutoffs) if cutoffs is not None else None,
        "bootstrap": {"n": n_bootstrap, "seed": seed},
    }
    return json_safe(result)


def json_safe(value):
    """Replace nan (undefined metrics, e.g. AUC of a class without cases) by None, recursively."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def plot_roc(y_true: Sequence[int], probabilities: np.ndarray, class_names: Sequence[str], path: Path,
             title: str) -> Path:
    """Write one-vs-rest ROC curves of every class to a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y_true = np.asarray(y_true)
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    for c, name in enumerate(class_names):
        is_positive = y_true == c
        if is_positive.all() or not is_positive.any():
            continue
        fpr, tpr, _ = roc_curve(is_positive, probabilities[:, c])
        ax.plot(fpr, tpr, label=f"{name} (AUC {_class_auc(is_positive, probabilities[:, c]):.3f})")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8)
    ax.set(xlabel="1 - specificity", ylabel="sensitivity", title=title, xlim=(0, 1), ylim=(0, 1.01))
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
