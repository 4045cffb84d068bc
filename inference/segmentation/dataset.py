"""Write segmentation samples in nnU-Net's raw layout (``DatasetNNN_Name/imagesTr``, ``labelsTr``)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATASET_ID = 501
DATASET_NAME = "LiverTumour"
LABELS = {"background": 0, "liver": 1, "tumour": 2}
FILE_ENDING = ".nii.gz"


@dataclass(frozen=True)
class SegmentationSample:
    """One phase of one case: raw HU (z, y, x), spacing in mm (z, y, x) and its labelmap (0/1/2)."""

    identifier: str
    hu: np.ndarray
    spacing_zyx: tuple[float, float, float]
    labelmap: np.ndarray

    def __post_init__(self) -> None:
        if self.hu.ndim != 3:
            raise ValueError(f"{self.identifier}: image must be 3-D (z, y, x), got shape {self.hu.shape}")
        if self.hu.shape != self.labelmap.shape:
            raise ValueError(f"{self.identifier}: image {self.hu.shape} and labelmap {self.labelmap.shape} differ")
        if not self.identifier.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"identifier must be letters, digits, '-' or '_': {self.identifier!r}")


def dataset_folder_name(dataset_id: int = DATASET_ID, name: str = DATASET_NAME) -> str:
    return f"Dataset{dataset_id:03d}_{name}"


def write_volume(array: np.ndarray, spacing_zyx, path: Path) -> None:
    """Write a (z, y, x) array as NIfTI with SimpleITK (the reader nnU-Net uses for ``.nii.gz``)."""
    import SimpleITK as sitk

    image = sitk.GetImageFromArray(array)
    image.SetSpacing([float(s) for s in reversed(tuple(spacing_zyx))])
    sitk.WriteImage(image, str(path), useCompression=True)


def export_dataset(
    samples: Iterable[SegmentationSample], out_dir: str | Path, *, dataset_id: int = DATASET_ID,
    name: str = DATASET_NAME,
) -> Path:
    """Write ``samples`` under ``out_dir`` (an ``nnUNet_raw`` root) and return the dataset folder.

    Images are written as float32 HU (nnU-Net's CT normalisation wants raw HU), labels as uint8.
    An existing folder of the same dataset is replaced so a re-export never mixes old cases in.
    """
    folder = Path(out_dir) / dataset_folder_name(dataset_id, name)
    images, labels = folder / "imagesTr", folder / "labelsTr"
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    images.mkdir(parents=True)
    labels.mkdir()
    seen: set[str] = set()
    for sample in samples:
        if sample.identifier in seen:
            raise ValueError(f"duplicate sample identifier {sample.identifier!r}")
        seen.add(sample.identifier)
        name = sample.identifier
        write_volume(sample.hu.astype(np.float32), sample.spacing_zyx, images / f"{name}_0000{FILE_ENDING}")
        write_volume(sample.labelmap.astype(np.uint8), sample.spacing_zyx, labels / f"{name}{FILE_ENDING}")
    if not seen:
        raise ValueError("no samples to export: a segmentation data set needs at least one labelled phase")
    dataset_json = {"channel_names": {"0": "CT"}, "labels": LABELS, "numTraining": len(seen),
                    "file_ending": FILE_ENDING}
    (folder / "dataset.json").write_text(json.dumps(with_file_listing(dataset_json, folder), indent=2))
    return folder


def with_file_listing(dataset_json: dict, folder: Path) -> dict:
    """Add nnU-Net's optional explicit ``dataset`` listing (relative paths) when it is missing.

    Without it nnU-Net lists the files with a *fork* pool of 12 processes, which deadlocks in
    any multi-threaded process (a test run with a Celery client, a Django server, torch threads).
    """
    if "dataset" in dataset_json:
        return dataset_json
    ending = dataset_json["file_ending"]
    listing = {}
    for label in sorted((folder / "labelsTr").glob(f"*{ending}")):
        identifier = label.name[: -len(ending)]
        images = sorted(p.name for p in (folder / "imagesTr").glob(f"{identifier}_[0-9][0-9][0-9][0-9]{ending}"))
        listing[identifier] = {"images": [f"imagesTr/{name}" for name in images], "label": f"labelsTr/{label.name}"}
    return {**dataset_json, "dataset": listing}
