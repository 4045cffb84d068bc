"""The demo model: nnU-Net + ALMSS trained on phantoms, small enough for minutes on 2 CPU cores.

Three phantom cohorts with different seeds: *train* (nnU-Net on a few cases, both ALMSS networks
on all), *validation* (checkpoint choice and best-F1 cut-offs) and *test*, generated with a seed
training never saw, evaluated end to end (nnU-Net masks -> ALMSS). The output folder is keyed by
a hash of the settings, so a second build with the same settings returns at once. Everything is
labelled "synthetic data, not for clinical use". No Django here; ``build_demo_model`` wraps it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reader_study.vocabulary import EIGHT_CLASSES, PHASES, TumourClass

from .segmentation import LiverTumourSegmenter, SegmentationSample, export_dataset, train

RECIPE_VERSION = 1
SYNTHETIC_LABEL = "synthetic data, not for clinical use"
DONE_FILE = "DONE.json"


@dataclass(frozen=True)
class DemoSettings:
    size: int = 48
    slices: int = 16
    train_per_class: int = 10
    validation_per_class: int = 3
    test_per_class: int = 3
    segmentation_cases_per_class: int = 1
    train_seed: int = 1001
    validation_seed: int = 2002
    test_seed: int = 3003  # never used for training or model selection
    seg_epochs: int = 10
    seg_iterations: int = 30  # ~0.5-1 s each on CPU (nnU-Net's augmentation dominates)
    classifier_masks: str = "nnunet"  # or "reference": what the classifier is trained and validated on
    almss_config: str = "demo"
    almss_epochs: int | None = None
    device: str = "cpu"

    def key(self) -> str:
        text = json.dumps({"recipe": RECIPE_VERSION, **dataclasses.asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


QUICK = DemoSettings(size=32, slices=12, train_per_class=2, validation_per_class=1, test_per_class=1,
                     seg_epochs=1, seg_iterations=2, almss_epochs=1)


def truth_of(klass: str) -> tuple[str, str | None]:
    """Eight-class phantom label -> (tumour class, origin or None)."""
    if klass in (TumourClass.HCC.value, TumourClass.ICC.value):
        return klass, None
    return TumourClass.METASTASIS.value, klass


def phantom_cohort(name: str, per_class: int, seed: int, settings: DemoSettings) -> list:
    from reader_study.phantom import generate_case

    cohort = "train" if name != "test" else "internal_test"
    return [generate_case(f"{name}-{klass}-{i:03d}", klass, seed=seed, size=settings.size, slices=settings.slices,
                          cohort=cohort)
            for i in range(per_class) for klass in EIGHT_CLASSES]


def almss_samples(cases: list, labelmaps: dict | None = None) -> list:
    """ALMSS samples from phantoms, with reference masks or (``labelmaps[case_id][phase]``) predicted ones."""
    from inference.almss.data import Sample
    from inference.almss.preprocess import PhaseInput

    samples = []
    for case in cases:
        masks = labelmaps[case.case_id] if labelmaps else case.masks
        inputs = {p: PhaseInput.from_labelmap(case.volumes[p].astype(np.float32), masks[p], case.spacing(p))
                  for p in PHASES}
        tumour_class, origin = truth_of(case.klass)
        samples.append(Sample(inputs, case.params.age, case.params.sex, tumour_class, origin, case.case_id))
    return samples


def train_segmentation(cases: list, root: Path, settings: DemoSettings, log: Callable[[str], None]) -> Path:
    samples = (SegmentationSample(f"{c.case_id}_{p.value}", c.volumes[p].astype(np.float32), c.spacing(p),
                                  c.masks[p]) for c in cases for p in PHASES)
    export_dataset(samples, root / "nnunet_raw")
    result = train(root / "nnunet_raw", root / "nnunet_work", epochs=settings.seg_epochs,
                   iterations_per_epoch=settings.seg_iterations, device=settings.device, resume=True, log=log)
    return result.model_dir


def dice(prediction: np.ndarray, truth: np.ndarray) -> float | None:
    total = int(prediction.sum() + truth.sum())
    return None if total == 0 else 2.0 * float(np.logical_and(prediction, truth).sum()) / total


def segment_cohort(segmenter: LiverTumourSegmenter, cases: list) -> tuple[dict, dict]:
    """Predicted labelmaps of every phase and mean Dice (liver incl. tumour, tumour) against the phantom masks."""
    labelmaps, scores = {}, {"liver": [], "tumour": []}
    for case in cases:
        labelmaps[case.case_id] = {}
        for phase in PHASES:
            predicted = segmenter.segment(case.volumes[phase].astype(np.float32), case.spacing(phase))
            labelmaps[case.case_id][phase] = predicted
            truth = case.masks[phase]
            pairs = (("liver", dice(predicted > 0, truth > 0)), ("tumour", dice(predicted == 2, truth == 2)))
            for name, value in pairs:
                if value is not None:
                    scores[name].append(value)
    return labelmaps, {f"dice_{k}": (float(np.mean(v)) if v else None) for k, v in scores.items()}


def train_classifiers(cohorts: dict[str, tuple[list, dict | None]], root: Path, settings: DemoSettings,
                      log: Callable[[str], None]) -> tuple[Path, dict]:
    """Train networks 1 and 2, pick cut-offs on validation, test on nnU-Net and on reference masks.

    ``cohorts`` maps train / validation / test / test_reference_masks to (cases, labelmaps or None).
    """
    from inference.almss.bundle import save_network
    from inference.almss.configs import get_config
    from inference.almss.cutoffs import select_cutoffs
    from inference.almss.data import build_dataset
    from inference.almss.evaluate import classification_metrics, predict_dataset
    from inference.almss.training import train_network

    config = get_config(settings.almss_config)
    bundle = root / "bundle"
    shutil.rmtree(bundle, ignore_errors=True)
    samples = {name: almss_samples(cases, labelmaps) for name, (cases, labelmaps) in cohorts.items()}
    report = {}
    for network in ("primary", "origin"):
        log(f"training ALMSS network {network!r} ({settings.almss_config} config)")
        data = {name: build_dataset(items, config, network) for name, items in samples.items()}
        trained = train_network(config, data["train"], data["validation"], root / "checkpoints" / network,
                                epochs=settings.almss_epochs, resume=True, progress=False, device=settings.device)
        names = data["train"].class_names
        val_probabilities = predict_dataset(trained.model, data["validation"])
        cutoffs = select_cutoffs(data["validation"].labels, val_probabilities, names)
        metrics = {
            "validation": classification_metrics(data["validation"].labels, val_probabilities, names, cutoffs, 200),
            **{f"{name}_unseen_seed": classification_metrics(
                data[name].labels, predict_dataset(trained.model, data[name]), names, cutoffs, 200)
               for name in ("test", "test_reference_masks")},
            "best_epoch": trained.best_epoch,
        }
        save_network(bundle, network, trained.model, config, cutoffs, metrics, label=SYNTHETIC_LABEL)
        report[network] = metrics
    return bundle, report


def build_demo_model(out_dir: str | Path, settings: DemoSettings = DemoSettings(), *, force: bool = False,
                     log: Callable[[str], None] = print) -> dict:
    """Build (or return the cached) demo model; returns the DONE record with paths and evaluation."""
    import torch

    root = Path(out_dir).resolve() / f"demo-{settings.key()}"
    done = root / DONE_FILE
    if done.is_file() and not force:
        log(f"demo model already built in {root}")
        return json.loads(done.read_text())
    started = time.monotonic()
    torch.manual_seed(0)
    log(f"generating phantoms ({settings.size}x{settings.size}x{settings.slices}) in {root}")
    train_cases = phantom_cohort("train", settings.train_per_class, settings.train_seed, settings)
    validation_cases = phantom_cohort("validation", settings.validation_per_class, settings.validation_seed, settings)
    test_cases = phantom_cohort("test", settings.test_per_class, settings.test_seed, settings)
    seg_cases = train_cases[: settings.segmentation_cases_per_class * len(EIGHT_CLASSES)]
    segmentation_dir = train_segmentation(seg_cases, root, settings, log)
    seg_seconds = time.monotonic() - started
    log("segmenting the test cohort with the trained nnU-Net")
    segmenter = LiverTumourSegmenter.load(segmentation_dir, settings.device)
    test_labelmaps, seg_metrics = segment_cohort(segmenter, test_cases)
    cohorts = {"test": (test_cases, test_labelmaps), "test_reference_masks": (test_cases, None)}
    for name, cases in (("train", train_cases), ("validation", validation_cases)):
        # nnU-Net masks by default: the classifier then learns from the masks it will get at inference.
        cohorts[name] = (cases, segment_cohort(segmenter, cases)[0] if settings.classifier_masks == "nnunet" else None)
    bundle, classifier_metrics = train_classifiers(cohorts, root, settings, log)
    training_data = {"source": "reader_study.phantom", "label": SYNTHETIC_LABEL,
                     "settings": dataclasses.asdict(settings),
                     "cases": {"train": len(train_cases), "validation": len(validation_cases),
                               "test": len(test_cases), "segmentation": len(seg_cases)}}
    (bundle / "training_data.json").write_text(json.dumps(training_data, indent=2))
    record = {
        "key": settings.key(), "bundle": str(bundle), "segmentation": str(segmentation_dir), "label": SYNTHETIC_LABEL,
        "seconds": round(time.monotonic() - started, 1), "segmentation_training_seconds": round(seg_seconds, 1),
        "evaluation": {"test_seed": settings.test_seed, "segmentation": seg_metrics,
                       **{k: v["test_unseen_seed"] for k, v in classifier_metrics.items()},
                       **{f"{k}_with_reference_masks": v["test_reference_masks_unseen_seed"]
                          for k, v in classifier_metrics.items()}},
        "training_data": training_data,
    }
    (root / "evaluation.json").write_text(json.dumps(record["evaluation"], indent=2))
    done.write_text(json.dumps(record, indent=2))
    return record
