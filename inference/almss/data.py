"""Training and evaluation data independent of Django: samples in, preprocessed arrays out.

A source (the database via the ``train_almss`` command, a phantom folder, or anything else)
yields :class:`Sample` objects, or plain tuples ``(phase_inputs, age, sex, tumour_class, origin)``.
:func:`build_dataset` preprocesses them once into a :class:`PreparedDataset` held in memory
(demo size: ~0.3 MB per case; the paper size needs ~31 MB per case, so thousands of cases would
need an on-disk cache, which is not built yet).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from inference.almss.classifier import clinical_vector
from inference.almss.configs import ALMSSConfig
from inference.almss.preprocess import PhaseInput, PreparedPhase, prepare_phase
from reader_study.vocabulary import ORIGIN_SYSTEMS, PHASES, TUMOUR_CLASSES, Phase, TumourClass

__all__ = [
    "Sample", "PreparedDataset", "NETWORKS", "KIND_OF_NETWORK", "class_names_for", "prepare_case", "build_dataset",
]

#: network name -> the label it learns ("baseline" learns network 1's task with the plain CNN).
NETWORKS = ("primary", "origin", "baseline")
#: network name -> architecture (see ``classifier.build_network``).
KIND_OF_NETWORK = {"primary": "almss", "origin": "almss", "baseline": "baseline"}


@dataclass(frozen=True)
class Sample:
    """One case with its truth (training code only; never reader-facing)."""

    phase_inputs: Mapping[Phase, PhaseInput]
    age: float
    sex: str
    tumour_class: str
    origin: str | None = None
    case_id: str = ""


@dataclass
class PreparedDataset:
    """Network inputs of many cases: images (N, 4, 2, D, H, W), clinical (N, 3), labels (N,).

    ``origin_labels`` (index into ``ORIGIN_SYSTEMS``, -1 for HCC / ICC) rides along so one
    preprocessing pass serves network 1, network 2 and the hierarchical evaluation.
    """

    images: np.ndarray
    clinical: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    case_ids: list[str]
    origin_labels: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=len(self.class_names))

    def subset(self, indices: np.ndarray) -> PreparedDataset:
        origin = None if self.origin_labels is None else self.origin_labels[indices]
        return PreparedDataset(self.images[indices], self.clinical[indices], self.labels[indices],
                               self.class_names, [self.case_ids[i] for i in indices], origin)

    def for_network(self, network: str) -> PreparedDataset:
        """The cases and labels of one network's task (origin: liver metastases, origin labels)."""
        if network != "origin":
            class_names_for(network)  # validates the name
            return self
        if self.origin_labels is None:
            raise ValueError("this data set has no origin labels")
        indices = np.flatnonzero(self.origin_labels >= 0)
        if len(indices) == 0:
            raise ValueError("no liver metastases in this data: network 2 has nothing to learn or evaluate")
        subset = self.subset(indices)
        return PreparedDataset(subset.images, subset.clinical, subset.origin_labels, class_names_for("origin"),
                               subset.case_ids, subset.origin_labels)


def class_names_for(network: str) -> tuple[str, ...]:
    """Class order of a network: ``TUMOUR_CLASSES`` for primary/baseline, ``ORIGIN_SYSTEMS`` for origin."""
    if network in {"primary", "baseline"}:
        return tuple(c.value for c in TUMOUR_CLASSES)
    if network == "origin":
        return tuple(o.value for o in ORIGIN_SYSTEMS)
    raise ValueError(f"unknown network {network!r}: use one of {', '.join(NETWORKS)}")


def prepare_case(
    phase_inputs: Mapping[Phase, PhaseInput], age: float, sex: str, config: ALMSSConfig
) -> tuple[np.ndarray, np.ndarray, dict[Phase, PreparedPhase]]:
    """Preprocess the four phases of one case: images (4, 2, D, H, W), clinical (3,), per-phase details."""
    missing = [p.value for p in PHASES if p not in phase_inputs]
    if missing:
        raise ValueError(f"ALMSS needs all four phases; missing: {', '.join(missing)}")
    prepared = {phase: prepare_phase(phase_inputs[phase], config) for phase in PHASES}
    images = np.stack([prepared[phase].image for phase in PHASES])
    return images, np.asarray(clinical_vector(age, sex), dtype=np.float32), prepared


def _labels(sample: Sample) -> tuple[int, int]:
    """(network 1 index, network 2 index or -1) of a sample's truth."""
    primary = class_names_for("primary").index(sample.tumour_class)
    if sample.tumour_class != TumourClass.METASTASIS.value:
        return primary, -1
    if not sample.origin:
        raise ValueError(f"case {sample.case_id or '?'}: a liver metastasis needs an origin for network 2")
    return primary, class_names_for("origin").index(sample.origin)


def build_dataset(
    samples: Iterable[Sample | tuple], config: ALMSSConfig, network: str = "primary", progress: bool = False
) -> PreparedDataset:
    """Preprocess every sample once and return the data set of ``network`` (origin: metastases only)."""
    images, clinical, labels, origins, case_ids = [], [], [], [], []
    for item in tqdm(samples, desc="preprocess", disable=not progress, unit="case"):
        sample = item if isinstance(item, Sample) else Sample(*item)
        primary, origin = _labels(sample)
        case_images, case_clinical, _ = prepare_case(sample.phase_inputs, sample.age, sample.sex, config)
        images.append(case_images)
        clinical.append(case_clinical)
        labels.append(primary)
        origins.append(origin)
        case_ids.append(sample.case_id or str(len(case_ids)))
    if not labels:
        raise ValueError("no cases in this data")
    full = PreparedDataset(np.stack(images), np.stack(clinical), np.asarray(labels, dtype=np.int64),
                           class_names_for("primary"), case_ids, np.asarray(origins, dtype=np.int64))
    return full.for_network(network)
