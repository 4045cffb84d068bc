"""Write ALMSS outputs of one phase (contract 5): the viewer's compact npz and a DICOM SEG.

No Django here: callers pass arrays, source datasets and paths. The npz holds ``labelmap``
(uint8 0/1/2) and ``heatmap`` (uint8 0..255), both (z, y, x) in ``Instance.index`` order. The
DICOM SEG references the source CT instances, so OHIF and 3D Slicer place it on the series.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# highdicom logs every copied DICOM module at INFO: one line per module per SEG in the worker log.
logging.getLogger("highdicom").setLevel(logging.WARNING)

SEG_MANUFACTURER = "liver-reader-study"
SEG_MODEL_NAME = "ALMSS nnU-Net liver/tumour segmentation"


def heatmap_to_uint8(heatmap: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    """Scale a 0..1 float heat map to 0..255; a missing map becomes zeros of ``shape``."""
    if heatmap is None:
        return np.zeros(shape, dtype=np.uint8)
    if heatmap.shape != shape:
        raise ValueError(f"heat map shape {heatmap.shape} differs from the series shape {shape}")
    return np.rint(np.clip(np.nan_to_num(heatmap, nan=0.0), 0.0, 1.0) * 255).astype(np.uint8)


def write_overlay(path: Path, labelmap: np.ndarray, heatmap: np.ndarray) -> None:
    """Write the viewer's overlay arrays (compressed npz)."""
    if labelmap.shape != heatmap.shape:
        raise ValueError(f"labelmap {labelmap.shape} and heatmap {heatmap.shape} differ")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez_compressed(handle, labelmap=labelmap.astype(np.uint8), heatmap=heatmap.astype(np.uint8))


def _segment_descriptions(algorithm_name: str, algorithm_version: str):
    import highdicom as hd
    from pydicom.sr.codedict import codes

    algorithm = hd.AlgorithmIdentificationSequence(
        name=algorithm_name[:64], version=algorithm_version[:64] or "unknown",
        family=codes.cid7162.ArtificialIntelligence,
    )

    def describe(number: int, label: str, category, property_type) -> hd.seg.SegmentDescription:
        return hd.seg.SegmentDescription(
            segment_number=number, segment_label=label, segmented_property_category=category,
            segmented_property_type=property_type, algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
            algorithm_identification=algorithm,
        )

    return [
        describe(1, "Liver", codes.SCT.Organ, codes.SCT.Liver),
        describe(2, "Liver tumour", codes.SCT.MorphologicallyAbnormalStructure, codes.SCT.Neoplasm),
    ]


def write_dicom_seg(
    path: Path, source_images: Sequence, labelmap: np.ndarray, *, algorithm_name: str, algorithm_version: str,
    series_number: int = 900,
) -> None:
    """Write ``labelmap`` (z, y, x; slice i on ``source_images[i]``) as a binary DICOM SEG.

    ``source_images`` are the CT datasets in ``Instance.index`` order (pixel data not needed).
    """
    import highdicom as hd

    if len(source_images) != labelmap.shape[0]:
        raise ValueError(f"{len(source_images)} source images for a labelmap of {labelmap.shape[0]} slices")
    seg = hd.seg.Segmentation(
        source_images=list(source_images),
        pixel_array=labelmap.astype(np.uint8),
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=_segment_descriptions(algorithm_name, algorithm_version),
        series_instance_uid=hd.UID(),
        series_number=series_number,
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer=SEG_MANUFACTURER,
        manufacturer_model_name=SEG_MODEL_NAME,
        software_versions=algorithm_version[:64] or "unknown",
        device_serial_number="0",
        series_description=f"AI segmentation ({algorithm_name})"[:64],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    seg.save_as(path)
