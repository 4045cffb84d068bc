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

__all__ = ["Sample", "PreparedDataset", "NETWORKS", "class_names_for", "prepare_case", "build_dataset"]

#: network name -> the label it learns ("baseline" learns network 1's task with the plain CNN).
NETWORKS = ("primary", "origin", "baseline")


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
    """Network inputs of many cases: images (N, 4, 2, D, H, W), clinical (N, 3), labels (N,)."""

    images: np.ndarray
    clinical: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    case_ids: list[str]

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=len(self.class_names))

    def subset(self, indices: np.ndarray) -> PreparedDataset:
        return PreparedDataset(self.images[indices], self.clinical[indices], self.labels[indices],
                               self.class_names, [self.case_ids[i] for i in indices])


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


def _label(sample: Sample, network: str, class_names: tuple[str, ...]) -> int | None:
    """Label index of a sample for a network, or None when the sample is not part of that task."""
    if network == "origin":
        if sample.tumour_class != TumourClass.METASTASIS.value:
            return None
        if not sample.origin:
            raise ValueError(f"case {sample.case_id or '?'}: a liver metastasis needs an origin for network 2")
        return class_names.index(sample.origin)
    return class_names.index(sample.tumour_class)


def build_dataset(
    samples: Iterable[Sample | tuple], config: ALMSSConfig, network: str, progress: bool = False
) -> PreparedDataset:
    """Preprocess the samples that belong to ``network``'s task (origin: liver metastases only)."""
    class_names = class_names_for(network)
    images, clinical, labels, case_ids = [], [], [], []
    for item in tqdm(samples, desc=f"preprocess ({network})", disable=not progress, unit="case"):
        sample = item if isinstance(item, Sample) else Sample(*item)
        label = _label(sample, network, class_names)
        if label is None:
            continue
        case_images, case_clinical, _ = prepare_case(sample.phase_inputs, sample.age, sample.sex, config)
        images.append(case_images)
        clinical.append(case_clinical)
        labels.append(label)
        case_ids.append(sample.case_id or str(len(case_ids)))
    if not labels:
        raise ValueError(f"no cases for network {network!r} in this data")
    return PreparedDataset(np.stack(images), np.stack(clinical), np.asarray(labels, dtype=np.int64),
                           class_names, case_ids)
