"""Django-free sources of training samples: a phantom folder on disk, or phantoms made in memory.

The database source lives with the ``train_almss`` command (it needs the ORM); these two let an
ML engineer train and test without a database. Both yield :class:`~inference.almss.data.Sample`.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from inference.almss.data import Sample
from inference.almss.preprocess import PhaseInput
from reader_study.vocabulary import PHASES

__all__ = ["phantom_folder_samples", "phantom_memory_samples"]


def _read_stack(geometry) -> np.ndarray:
    """HU volume (z, y, x) of a sorted stack of DICOM files."""
    from reader_study.dicom_import.validate import decode_hu, read_dataset

    slices = [decode_hu(read_dataset(record.path, record.display, defer=False), record.display)[0]
              for record in geometry.slices]
    return np.stack(slices).astype(np.float32)


def phantom_folder_samples(folder: str | Path, cohorts: Iterable[str] | None = None) -> Iterator[Sample]:
    """Yield the cases of a phantom (or any contract-2) folder: ``manifest.csv``, DICOM, ``masks/<phase>.nii.gz``.

    DICOM grouping, phase assignment and slice sorting reuse the importer's pure planning code, so
    a folder trains exactly as it would import. ``cohorts`` filters on the manifest's cohort column.
    """
    from reader_study.dicom_import.manifest import read_manifest
    from reader_study.dicom_import.plan import plan_import
    from reader_study.dicom_import.scan import scan_folder
    from reader_study.phantom import load_mask_zyx

    root = Path(folder)
    wanted = set(cohorts) if cohorts is not None else None
    manifest = read_manifest(root / "manifest.csv")
    plan = plan_import(scan_folder(root), manifest, deidentify=True, salt="almss-training")
    for case in plan.cases:
        row = case.row
        if wanted is not None and row.cohort.value not in wanted:
            continue
        case_dir = case.folder or root / row.case_id
        phase_inputs = {}
        for phase in PHASES:
            geometry = case.phases[phase].geometry
            mask, _ = load_mask_zyx(case_dir / "masks" / f"{phase.value}.nii.gz")
            spacing = (geometry.slice_spacing, *geometry.pixel_spacing)
            phase_inputs[phase] = PhaseInput.from_labelmap(_read_stack(geometry), mask, spacing)
        yield Sample(phase_inputs, row.age, row.sex, row.tumour_class.value,
                     row.origin.value if row.origin else None, row.case_id)


def phantom_memory_samples(n_cases: int, seed: int, size: int = 64, slices: int = 16,
                           cohort: str = "train") -> Iterator[Sample]:
    """Yield ``n_cases`` phantom cases rendered in memory (same classes and ids as ``generate_dataset``)."""
    from reader_study.phantom import generate_case
    from reader_study.phantom.classes import CLASS_SPECS
    from reader_study.phantom.dataset import allocate_classes, case_ids

    for case_id, klass in zip(case_ids(n_cases, seed), allocate_classes(n_cases, seed, cohort)):
        case = generate_case(case_id, klass, seed, size=size, slices=slices, cohort=cohort)
        spec = CLASS_SPECS[klass]
        phase_inputs = {phase: PhaseInput.from_labelmap(case.volumes[phase], case.masks[phase], case.spacing(phase))
                        for phase in PHASES}
        yield Sample(phase_inputs, case.params.age, case.params.sex, spec.tumour_class.value,
                     spec.origin.value if spec.origin else None, case_id)
