"""Writing a phantom data set: DICOM studies, per-phase NIfTI masks and ``manifest.csv`` (contract 2 of the brief).

Layout::

    OUT/manifest.csv                      case_id,age,sex,tumour_class,origin,pathology_type,cohort
    OUT/<case_id>/dicom/<hex>.dcm         4 series x slices, flat, random names
    OUT/<case_id>/masks/<phase>.nii.gz    uint8 0 background / 1 liver / 2 tumour on that phase's grid
"""
from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reader_study.vocabulary import EIGHT_CLASSES, PHASES

from .classes import CLASS_SPECS, class_mix
from .dicom_writer import write_study
from .nifti import save_mask
from .sampling import case_streams, sample_case
from .volume import PhantomCase, render_case

MANIFEST_COLUMNS = ("case_id", "age", "sex", "tumour_class", "origin", "pathology_type", "cohort")


@dataclass(frozen=True)
class ManifestRow:
    case_id: str
    age: int
    sex: str
    tumour_class: str
    origin: str
    pathology_type: str
    cohort: str

    @classmethod
    def for_case(cls, case: PhantomCase) -> ManifestRow:
        params = case.params
        spec = CLASS_SPECS[params.klass]
        return cls(case.case_id, params.age, params.sex, spec.tumour_class.value,
                   spec.origin.value if spec.origin else "", params.pathology_type, params.cohort)


def allocate_classes(n_cases: int, seed: int, cohort: str = "train",
                     classes: Sequence[str] = EIGHT_CLASSES) -> list[str]:
    """Return a shuffled list of ``n_cases`` classes in the cohort's Table 2 proportions (largest remainder).

    Allocating counts (rather than drawing each case) keeps small demo sets close to the paper's mix, and every
    class appears once ``n_cases`` allows it; the shuffle makes the case order, hence case ids, carry no class
    information.
    """
    if n_cases < 1:
        raise ValueError("n_cases must be at least 1")
    mix = class_mix(cohort, tuple(classes))
    quotas = {name: share * n_cases for name, share in mix.items()}
    counts = {name: int(np.floor(q)) for name, q in quotas.items()}
    remainder = sorted(quotas, key=lambda name: (counts[name] - quotas[name], name))
    for name in remainder[: n_cases - sum(counts.values())]:
        counts[name] += 1
    present = [name for name, share in mix.items() if share > 0]
    for name in present:  # when there is room, every requested class appears at least once (small demo sets)
        if counts[name] == 0 and n_cases >= len(present):
            counts[max(counts, key=counts.get)] -= 1
            counts[name] += 1
    labels = [name for name in mix for _ in range(counts[name])]
    np.random.default_rng([int(seed) & 0xFFFFFFFF, 7]).shuffle(labels)
    return labels


def case_ids(n_cases: int, seed: int) -> list[str]:
    return [f"PH{int(seed) % 10000:04d}-{index + 1:04d}" for index in range(n_cases)]


def compressed_series(n_cases: int, seed: int, fraction: float) -> set[tuple[int, int]]:
    """Pick round(fraction x all series) (case index, phase index) pairs to store JPEG-LS compressed."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"compressed fraction must lie in [0, 1], got {fraction}")
    total = n_cases * len(PHASES)
    chosen = np.random.default_rng([int(seed) & 0xFFFFFFFF, 11]).permutation(total)[: round(fraction * total)]
    return {(int(i) // len(PHASES), int(i) % len(PHASES)) for i in chosen}


def write_case(case: PhantomCase, out_dir: Path, compressed_phases: set[int]) -> None:
    """Write one case's DICOM study and masks under ``out_dir/<case_id>``."""
    folder = Path(out_dir) / case.case_id
    files_rng = case_streams(case.case_id, case.params.seed)["files"]
    write_study(case, folder / "dicom", files_rng, {phase: i in compressed_phases for i, phase in enumerate(PHASES)})
    for phase in PHASES:
        save_mask(folder / "masks" / f"{phase.value}.nii.gz", case.masks[phase], case.grids[phase])


def write_manifest(path: Path, rows: Sequence[ManifestRow]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(MANIFEST_COLUMNS)
        for row in rows:
            writer.writerow([getattr(row, column) for column in MANIFEST_COLUMNS])


def generate_dataset(out_dir: str | Path, n_cases: int, seed: int = 0, *, size: int = 512, slices: int = 64,
                     compressed_fraction: float = 0.0, cohort: str = "train",
                     classes: Sequence[str] = EIGHT_CLASSES,
                     progress: Callable[[int, int, str], None] | None = None) -> list[ManifestRow]:
    """Generate ``n_cases`` cases on disk and write ``manifest.csv``; return the manifest rows.

    Deterministic for the arguments: the same call writes byte-identical files. ``out_dir`` must not already hold
    a manifest, so an earlier data set is never mixed with a new one.
    """
    out = Path(out_dir)
    if size < 16 or slices < 4:
        raise ValueError("size must be at least 16 pixels and slices at least 4")
    if (out / "manifest.csv").exists():
        raise FileExistsError(f"{out / 'manifest.csv'} already exists; choose an empty output folder")
    labels = allocate_classes(n_cases, seed, cohort, classes)
    compressed = compressed_series(n_cases, seed, compressed_fraction)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for index, (case_id, klass) in enumerate(zip(case_ids(n_cases, seed), labels)):
        case = render_case(sample_case(case_id, klass, seed, cohort=cohort, size=size, slices=slices))
        write_case(case, out, {phase for (i, phase) in compressed if i == index})
        rows.append(ManifestRow.for_case(case))
        if progress is not None:
            progress(index + 1, n_cases, case_id)
    write_manifest(out / "manifest.csv", rows)
    return rows
