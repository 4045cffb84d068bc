"""Read imported series and reference masks as arrays, for every consumer (inference, training, export).

Arrays are (z, y, x): z is ``Instance.index`` (ascending along the slice normal,
``cross(row, column)``), y runs down a column (DICOM rows) and x along a row.
``direction`` is a 3x3 matrix whose columns are the x, y and z axes in patient
(LPS) coordinates; ``origin`` is ImagePositionPatient of slice 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from reader_study.dicom_import.geometry import slice_normal
from reader_study.dicom_import.masks import grid_affine, read_mask
from reader_study.dicom_import.validate import decode_hu, read_dataset

from .models import ReferenceMask, Series


@dataclass(frozen=True)
class SeriesVolume:
    """Hounsfield units of one phase with the geometry needed to place them in space."""

    hu: np.ndarray
    spacing_zyx: tuple[float, float, float]
    origin: tuple[float, float, float]
    direction: np.ndarray


def series_direction(series: Series) -> np.ndarray:
    row, col = np.asarray(series.orientation[:3], float), np.asarray(series.orientation[3:6], float)
    return np.stack([row, col, slice_normal(series.orientation)], axis=1)


def load_series_volume(series: Series) -> SeriesVolume:
    """Decode every slice of ``series`` (in index order) to float32 HU."""
    root = Path(settings.MEDIA_ROOT)
    slices = []
    for path in series.instances.order_by("index").values_list("path", flat=True):
        ds = read_dataset(root / path, path, defer=False)
        slices.append(decode_hu(ds, path)[0])
    hu = np.stack(slices).astype(np.float32, copy=False)
    row_spacing, column_spacing = (float(v) for v in series.pixel_spacing)
    return SeriesVolume(
        hu=hu,
        spacing_zyx=(float(series.slice_spacing), row_spacing, column_spacing),
        origin=tuple(float(v) for v in series.origin),
        direction=series_direction(series),
    )


def load_mask(reference_mask: ReferenceMask) -> np.ndarray:
    """The mask as uint8 (z, y, x) on the grid of the same phase's series (0 bg, 1 liver, 2 tumour)."""
    series = Series.objects.get(study__case_id=reference_mask.case_id, phase=reference_mask.phase)
    affine = grid_affine(series.orientation, series.pixel_spacing, series.slice_spacing,
                         slice_normal(series.orientation), series.origin)
    path = Path(settings.MEDIA_ROOT) / reference_mask.path
    return read_mask(path, affine, (series.slice_count, series.rows, series.columns), reference_mask.path)
