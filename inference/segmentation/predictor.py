"""Segment one phase volume with a trained nnU-Net model, in this process.

Only ``predict_single_npy_array`` is used: nnU-Net's other entry points start worker
processes, which a daemonic Celery prefork child may not do. Load once per process
(the task keeps a cache keyed by model version) because initialising costs seconds.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

CHECKPOINTS = ("checkpoint_final.pth",)


def find_folds(model_dir: Path) -> tuple[tuple[str, ...], str]:
    """Return the folds with a checkpoint and the checkpoint name they share (final preferred)."""
    for name in CHECKPOINTS:
        folds = tuple(sorted(p.parent.name.removeprefix("fold_") for p in model_dir.glob(f"fold_*/{name}")))
        if folds:
            return folds, name
    raise FileNotFoundError(f"{model_dir}: no fold_*/checkpoint_*.pth found; is this an nnU-Net model folder?")


class LiverTumourSegmenter:
    """A loaded nnU-Net predictor that maps HU volumes to 0/1/2 labelmaps."""

    def __init__(self, predictor, model_dir: Path, folds: tuple[str, ...]):
        self.predictor = predictor
        self.model_dir = model_dir
        self.folds = folds

    @classmethod
    def load(cls, model_dir: str | Path, device: str = "cpu", *, use_mirroring: bool = False,
             tile_step_size: float = 0.5) -> LiverTumourSegmenter:
        """Load every trained fold of ``model_dir`` (the ``Trainer__Plans__config`` folder).

        Mirroring test-time augmentation costs 8x on 3-D data; it is off by default for CPU.
        """
        import torch
        from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor

        folder = Path(model_dir)
        if not (folder / "plans.json").is_file():
            raise FileNotFoundError(f"{folder}: not an nnU-Net model folder (plans.json missing)")
        folds, checkpoint = find_folds(folder)
        predictor = nnUNetPredictor(
            tile_step_size=tile_step_size, use_gaussian=True, use_mirroring=use_mirroring,
            perform_everything_on_device=device.startswith("cuda"), device=torch.device(device), verbose=False,
            verbose_preprocessing=False, allow_tqdm=False,
        )
        parsed = tuple(int(f) if f.isdigit() else f for f in folds)
        predictor.initialize_from_trained_model_folder(str(folder), use_folds=parsed, checkpoint_name=checkpoint)
        return cls(predictor, folder, folds)

    def segment(self, hu: np.ndarray, spacing_zyx) -> np.ndarray:
        """Return a uint8 labelmap (0 background, 1 liver, 2 tumour) on the grid of ``hu`` (z, y, x)."""
        if hu.ndim != 3:
            raise ValueError(f"expected a 3-D (z, y, x) volume, got shape {hu.shape}")
        image = np.asarray(hu, dtype=np.float32)[None]
        properties = {"spacing": [float(s) for s in spacing_zyx]}
        seg = self.predictor.predict_single_npy_array(image, properties, None, None, False)
        seg = np.asarray(seg, dtype=np.uint8)
        if seg.shape != hu.shape:
            raise RuntimeError(f"nnU-Net returned shape {seg.shape} for an input of shape {hu.shape}")
        return seg
