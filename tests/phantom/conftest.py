"""Fixtures for the phantom tests: one tiny data set on disk, shared by the module tests that read it."""
from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import pydicom
import pytest

from reader_study.phantom import generate_dataset

TINY = {"size": 40, "slices": 10}
SEED = 17


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """Three tiny cases, half of the series JPEG-LS compressed."""
    out = tmp_path_factory.mktemp("phantoms") / "set"
    generate_dataset(out, 3, seed=SEED, compressed_fraction=0.5, **TINY)
    return out


def read_series(case_folder: Path) -> dict[str, list[pydicom.Dataset]]:
    """Group a case's files by SeriesInstanceUID, each list sorted by position along the slice normal."""
    series = collections.defaultdict(list)
    for path in sorted((case_folder / "dicom").iterdir()):
        ds = pydicom.dcmread(path)
        series[ds.SeriesInstanceUID].append(ds)
    for datasets in series.values():
        normal = np.cross(*np.reshape(np.asarray(datasets[0].ImageOrientationPatient, float), (2, 3)))
        datasets.sort(key=lambda ds: float(np.dot(normal, np.asarray(ds.ImagePositionPatient, float))))
    return dict(series)


def hu_volume(datasets: list[pydicom.Dataset]) -> np.ndarray:
    return np.stack([ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept) for ds in datasets])
