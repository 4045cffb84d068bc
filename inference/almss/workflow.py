"""Train-and-save and evaluate-a-bundle: the two jobs behind ``train_almss`` and ``evaluate_almss``.

Django-free so the same calls work from a notebook, a script or the management commands.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from inference.almss.bundle import ALMSSBundle, save_network
from inference.almss.configs import ALMSSConfig
from inference.almss.cutoffs import final_call, select_cutoffs
from inference.almss.data import KIND_OF_NETWORK, PreparedDataset
from inference.almss.evaluate import classification_metrics, json_safe, plot_roc, predict_dataset
from inference.almss.training import train_network

__all__ = ["train_and_save", "evaluate_bundle", "hierarchical_accuracy"]

logger = logging.getLogger(__name__)


def train_and_save(
    config: ALMSSConfig,
    network: str,
    train: PreparedDataset,
    validation: PreparedDataset,
    out_dir: str | Path,
    *,
    epochs: int | None = None,
    resume: bool = False,
    label: str = "research model, not for clinical use",
    training_data: Mapping | None = None,
    n_bootstrap: int = 1000,
    progress: bool = True,
    device: str = "cpu",
) -> dict:
    """Train ``network`` on its task, choose best-F1 cut-offs on validation, write it into the bundle."""
    train, validation = train.for_network(network), validation.for_network(network)
    out_dir = Path(out_dir)
    result = train_network(config, train, validation, out_dir / "checkpoints" / network, KIND_OF_NETWORK[network],
                           epochs=epochs, resume=resume, progress=progress, device=device)
    probabilities = predict_dataset(result.model, validation, config.batch_size)
    cutoffs = select_cutoffs(validation.labels, probabilities, validation.class_names)
    metrics = classification_metrics(validation.labels, probabilities, validation.class_names, cutoffs,
                                     n_bootstrap=n_bootstrap, seed=config.seed)
    metrics["cohort"] = "validation"
    metrics["training"] = json_safe({"best_epoch": result.best_epoch, "epochs": len(result.history),
                           "n_train": len(train), "train_class_counts": train.class_counts().tolist(),
                           "history": result.history, **dict(training_data or {})})
    checksum = save_network(out_dir, network, result.model.cpu(), config, cutoffs, metrics, label,
                            extra={"best_epoch": result.best_epoch})
    return {"network": network, "checksum": checksum, "cutoffs": cutoffs, "metrics": metrics}


def hierarchical_accuracy(data: PreparedDataset, primary_probs: np.ndarray, origin_probs: np.ndarray,
                          cutoffs: Mapping[str, Mapping[str, float]], origin_names: tuple[str, ...]) -> float:
    """Share of cases whose final eight-class call (network 1, then network 2 if LM) is right."""
    correct = 0
    for i in range(len(data)):
        call = final_call(dict(zip(data.class_names, primary_probs[i])), cutoffs["primary"])
        truth = data.class_names[data.labels[i]]
        if call != truth:
            continue
        if call != "LM":
            correct += 1
            continue
        origin = final_call(dict(zip(origin_names, origin_probs[i])), cutoffs["origin"])
        correct += int(origin == origin_names[data.origin_labels[i]])
    return correct / len(data)


def evaluate_bundle(bundle_dir: str | Path, data: PreparedDataset, out_dir: str | Path, cohort: str,
                    n_bootstrap: int = 1000) -> dict:
    """Metrics of every network of a bundle on a prepared cohort; writes metrics JSON and ROC PNGs."""
    bundle = ALMSSBundle.load(bundle_dir, partial=True)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report: dict = {"cohort": cohort, "bundle": str(bundle_dir), "checksum": bundle.checksum, "label": bundle.label}
    all_probs = {}
    for network, (model, _names) in bundle.networks.items():
        try:
            subset = data.for_network(network)
        except ValueError as error:
            report[network] = {"skipped": str(error)}
            continue
        all_probs[network] = predict_dataset(model, data, bundle.config.batch_size)
        rows = np.flatnonzero(data.origin_labels >= 0) if network == "origin" else np.arange(len(data))
        probabilities = all_probs[network][rows]
        report[network] = classification_metrics(subset.labels, probabilities, subset.class_names,
                                                 bundle.cutoffs.get(network), n_bootstrap, bundle.config.seed)
        png = plot_roc(subset.labels, probabilities, subset.class_names, out_dir / f"roc_{network}_{cohort}.png",
                       f"{network} network, {cohort} (n={len(subset)})")
        report[network]["roc_plot"] = str(png)
    if "primary" in all_probs and "origin" in all_probs:
        report["hierarchical_eight_class_accuracy"] = hierarchical_accuracy(
            data, all_probs["primary"], all_probs["origin"], bundle.cutoffs, bundle.networks["origin"][1])
    (out_dir / f"metrics_{cohort}.json").write_text(json.dumps(report, indent=2, allow_nan=False))
    return report
