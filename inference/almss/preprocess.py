"""Per-phase preprocessing: liver-box crop, HU window, resize, liver- and tumour-masked channels.

Follows the authors' ``preprocessing.py`` (see ``shared/notes/almss_nnunet.md`` 1.2) with two
deliberate differences:

* the image is resized with trilinear interpolation; the authors used nearest neighbour
  (``skimage.transform.resize(order=0)``) for the CT image too, which aliases. Masks stay nearest.
* the liver box gets a small margin (``config.crop_margin``); the authors' box is tight.

Each phase is processed on its own voxel grid with its own box, so the phases need not be
co-registered. The crop box is returned so Grad-CAM maps can be pasted back into the phase grid.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from inference.almss.configs import ALMSSConfig

__all__ = ["PhaseInput", "CropBox", "PreparedPhase", "prepare_phase", "paste_into_phase_grid"]

LIVER_LABEL = 1
TUMOUR_LABEL = 2


@dataclass(frozen=True)
class PhaseInput:
    """One phase as callers hold it: full HU volume (z, y, x) and binary masks on the same grid."""

    hu: np.ndarray
    liver_mask: np.ndarray
    tumour_mask: np.ndarray
    spacing_zyx: tuple[float, float, float] = (1.0, 1.0, 1.0)

    def __post_init__(self) -> None:
        if self.hu.ndim != 3:
            raise ValueError(f"hu must be a 3D (z, y, x) volume, got shape {self.hu.shape}")
        for name in ("liver_mask", "tumour_mask"):
            if getattr(self, name).shape != self.hu.shape:
                raise ValueError(f"{name} shape {getattr(self, name).shape} differs from hu shape {self.hu.shape}")

    @classmethod
    def from_labelmap(cls, hu: np.ndarray, labelmap: np.ndarray, spacing_zyx=(1.0, 1.0, 1.0)) -> PhaseInput:
        """Split a 0 / 1 liver / 2 tumour label map (contract 2 masks, nnU-Net output)."""
        return cls(hu=hu, liver_mask=labelmap == LIVER_LABEL, tumour_mask=labelmap == TUMOUR_LABEL,
                   spacing_zyx=tuple(float(s) for s in spacing_zyx))


@dataclass(frozen=True)
class CropBox:
    """Half-open box ``[start, stop)`` per axis (z, y, x) in the phase's voxel grid."""

    start: tuple[int, int, int]
    stop: tuple[int, int, int]

    @property
    def slices(self) -> tuple[slice, slice, slice]:
        return tuple(slice(a, b) for a, b in zip(self.start, self.stop))

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(b - a for a, b in zip(self.start, self.stop))


@dataclass
class PreparedPhase:
    """Network input of one phase: ``image`` (2, D, H, W) float32 in [-1, 1], channel 0 liver, 1 tumour."""

    image: np.ndarray
    box: CropBox
    grid_shape: tuple[int, int, int]
    flags: list[str] = field(default_factory=list)


def _bounding_box(mask: np.ndarray, margin: tuple[int, int, int]) -> CropBox | None:
    if not mask.any():
        return None
    start, stop = [], []
    for axis, pad in enumerate(margin):
        other = tuple(a for a in range(3) if a != axis)
        hits = np.flatnonzero(mask.any(axis=other))
        start.append(max(int(hits[0]) - pad, 0))
        stop.append(min(int(hits[-1]) + 1 + pad, mask.shape[axis]))
    return CropBox(tuple(start), tuple(stop))


def window(hu: np.ndarray, low: float, high: float) -> np.ndarray:
    """Clip to the HU window and map it linearly onto [-1, 1]."""
    clipped = np.clip(hu.astype(np.float32), low, high)
    return (clipped - low) / (high - low) * 2.0 - 1.0


def _resize(volume: np.ndarray, size: tuple[int, int, int], mode: str) -> np.ndarray:
    tensor = torch.from_numpy(np.ascontiguousarray(volume, dtype=np.float32))[None, None]
    kwargs = {"align_corners": False} if mode == "trilinear" else {}
    return F.interpolate(tensor, size=size, mode=mode, **kwargs)[0, 0].numpy()


def prepare_phase(phase: PhaseInput, config: ALMSSConfig) -> PreparedPhase:
    """Crop to the liver box, window, resize and build the two masked channels.

    The liver region is liver plus tumour (nnU-Net and the phantom label tumour voxels 2, not 1).
    An empty liver mask falls back to the whole volume (flag ``liver_mask_empty``). An empty
    tumour mask falls back to the liver region for the tumour channel (flag ``tumour_mask_empty``):
    a channel that is -1 everywhere never occurs in training, so the liver is the safer input.
    """
    liver = np.asarray(phase.liver_mask, dtype=bool) | np.asarray(phase.tumour_mask, dtype=bool)
    tumour = np.asarray(phase.tumour_mask, dtype=bool)
    flags: list[str] = []
    box = _bounding_box(liver, config.crop_margin)
    if box is None:
        flags.append("liver_mask_empty")
        box = CropBox((0, 0, 0), tuple(phase.hu.shape))
        liver = np.ones_like(liver)
    if not tumour.any():
        flags.append("tumour_mask_empty")
        tumour = liver
    image = _resize(window(phase.hu[box.slices], *config.hu_window), config.input_size, "trilinear")
    liver_small = _resize(liver[box.slices], config.input_size, "nearest") > 0.5
    tumour_small = _resize(tumour[box.slices], config.input_size, "nearest") > 0.5
    channels = np.stack([np.where(liver_small, image, -1.0), np.where(tumour_small, image, -1.0)])
    return PreparedPhase(image=channels.astype(np.float32), box=box, grid_shape=tuple(phase.hu.shape), flags=flags)


def paste_into_phase_grid(heatmap: np.ndarray, box: CropBox, grid_shape: tuple[int, int, int]) -> np.ndarray:
    """Resize a network-input-sized map to the crop box and place it in a zero volume of the phase grid."""
    full = np.zeros(grid_shape, dtype=np.float32)
    full[box.slices] = np.clip(_resize(heatmap, box.shape, "trilinear"), 0.0, 1.0)
    return full
