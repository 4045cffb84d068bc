"""Liver and tumour segmentation with nnU-Net v2 (pure Python + torch, no Django).

Design decision: **one single-channel nnU-Net per model version, applied to each phase
separately**, with labels 0 background / 1 liver / 2 tumour. Every (case, phase) pair is one
training sample.

Why not a 4-channel model: real multiphase series rarely share a voxel grid (different z
ranges and slice counts per phase), so a 4-channel model needs registration onto one
reference phase first; ALMSS's classifier wants a liver and a tumour mask *per phase* on that
phase's own grid anyway (contract 6), which a per-phase model gives directly.

Why not the authors' two models (liver 3d_fullres on the whole CT, tumour 3d_fullres on the
liver region): it doubles training and inference cost, which the 2-CPU machines of this
project cannot afford for the demo. The two-model variant stays possible with the same code:
export a liver-only data set (labels {0, 1}) and a tumour-only one cropped to the liver box,
train each with :func:`train`, and chain two :class:`LiverTumourSegmenter` objects.

The recipes follow ``shared/notes/almss_nnunet.md`` sections 2-3: the Python API with the stock
``nnUNetTrainer`` (attributes set after construction; custom trainer names break on CPU torch),
a reduced fingerprint (1e5 foreground voxels), the tiny ``3d_tiny`` configuration for CPU and
``predict_single_npy_array`` for inference (the only predictor entry point that works inside a
daemonic Celery prefork child).
"""
from .dataset import DATASET_ID, SegmentationSample, export_dataset
from .predictor import LiverTumourSegmenter
from .training import TrainingResult, train

__all__ = [
    "DATASET_ID",
    "LiverTumourSegmenter",
    "SegmentationSample",
    "TrainingResult",
    "export_dataset",
    "train",
]
