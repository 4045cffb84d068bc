"""Training loop of the ALMSS networks and the baseline CNN.

Recipe from the authors' code (``shared/notes/almss_nnunet.md`` 1.4): AdamW (lr 2e-4, weight decay
5e-5), learning rate x0.1 at 60 % and 90 % of the epochs, class-balanced loss with effective-number
weights (Cui et al., CVPR 2019; beta 0.999), light augmentation applied jointly to all phases and
channels, age jitter, best checkpoint by validation macro AUC. Differences: the focal loss here is
the standard softmax focal loss (the authors' variant applies BCE to softmax outputs and a modulator
meant for logits); augmentation is in-plane rotation, left-right flip and Gaussian noise inside the ROI
(the authors used rotation, pseudo-2D elastic deformation and noise that also hit the -1 background);
everything runs on CPU as well as GPU.

Every epoch writes ``last.pt`` (model, optimiser, scheduler, random states, history) atomically,
so ``resume=True`` continues an interrupted run exactly where it stopped.
"""
from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from inference.almss.classifier import build_network
from inference.almss.configs import ALMSSConfig
from inference.almss.data import PreparedDataset
from inference.almss.evaluate import macro_auc, predict_dataset

__all__ = ["class_balanced_weights", "ClassBalancedLoss", "augment_batch", "TrainResult", "train_network"]

logger = logging.getLogger(__name__)


def class_balanced_weights(counts: np.ndarray, beta: float = 0.999) -> torch.Tensor:
    """Effective-number weights ``(1 - beta) / (1 - beta ** n_c)``, normalised to sum to the class count.

    A class absent from training (n_c = 0) is weighted as if it had one case.
    """
    counts = np.maximum(np.asarray(counts, dtype=np.float64), 1.0)
    weights = (1.0 - beta) / (1.0 - np.power(beta, counts))
    return torch.tensor(weights / weights.sum() * len(counts), dtype=torch.float32)


class ClassBalancedLoss(nn.Module):
    """Class-weighted cross-entropy or softmax focal loss, averaged over the batch."""

    def __init__(self, weights: torch.Tensor, kind: str = "focal", gamma: float = 2.0) -> None:
        super().__init__()
        self.register_buffer("weights", weights)
        self.kind = kind
        self.gamma = gamma

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        log_p = F.log_softmax(logits, dim=1).gather(1, labels[:, None])[:, 0]
        per_case = -log_p
        if self.kind == "focal":
            per_case = per_case * (1.0 - log_p.exp()).pow(self.gamma)
        return (self.weights[labels] * per_case).mean()


def _rotate_in_plane(volume: torch.Tensor, degrees: float) -> torch.Tensor:
    """Rotate (C, D, H, W) about the slice axis; background stays -1."""
    angle = math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    theta = torch.tensor([[cos, -sin, 0.0, 0.0], [sin, cos, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]])[None]
    grid = F.affine_grid(theta, [1, *volume.shape], align_corners=False)
    shifted = F.grid_sample(volume[None] + 1.0, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return shifted[0] - 1.0


def augment_batch(
    images: torch.Tensor, clinical: torch.Tensor, config: ALMSSConfig, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Randomly rotate, flip and add noise per case, the same transform for all 4 phases x 2 channels."""
    images, clinical = images.clone(), clinical.clone()
    shape = images.shape  # (B, 4, 2, D, H, W)

    def chance() -> bool:
        return bool(torch.rand(1, generator=generator) < config.augment_prob)

    for i in range(shape[0]):
        volume = images[i].reshape(-1, *shape[3:])
        if chance():
            degrees = float(torch.empty(1).uniform_(-1, 1, generator=generator)) * config.rotation_degrees
            volume = _rotate_in_plane(volume, degrees)
        if chance():
            volume = volume.flip(-1)
        if chance():
            std = float(torch.rand(1, generator=generator)) * config.noise_std
            inside = volume > -1.0
            noise = torch.randn(volume.shape, generator=generator) * std
            volume = torch.where(inside, (volume + noise).clamp(-1.0, 1.0), volume)
        images[i] = volume.reshape(shape[1:])
    jitter = (torch.rand(shape[0], generator=generator) * 2 - 1) * config.age_jitter
    clinical[:, 0] += jitter
    return images, clinical


@dataclass
class TrainResult:
    model: nn.Module
    best_epoch: int
    best_val_auc: float
    history: list[dict] = field(default_factory=list)


def _selection_key(val_auc: float, val_loss: float) -> tuple[float, float]:
    """Best checkpoint: highest macro AUC, then lowest validation loss (AUC is nan with one class)."""
    return (-math.inf if math.isnan(val_auc) else val_auc, -val_loss)


@torch.no_grad()
def _validation_loss(model: nn.Module, loss_fn: nn.Module, data: PreparedDataset, batch_size: int) -> float:
    model.eval()
    device = next(model.parameters()).device
    total = 0.0
    for start in range(0, len(data), batch_size):
        batch = slice(start, start + batch_size)
        images, clinical = torch.from_numpy(data.images[batch]), torch.from_numpy(data.clinical[batch])
        logits = model(images.to(device), clinical.to(device))
        total += float(loss_fn(logits, torch.from_numpy(data.labels[batch]).to(device))) * len(logits)
    return total / len(data)


def _train_epoch(model, loss_fn, optimizer, data: PreparedDataset, config: ALMSSConfig, generator) -> float:
    model.train()
    device = next(model.parameters()).device
    order = torch.randperm(len(data), generator=generator).numpy()
    total = 0.0
    for start in range(0, len(data), config.batch_size):
        idx = np.sort(order[start : start + config.batch_size])
        images, clinical = augment_batch(torch.from_numpy(data.images[idx]), torch.from_numpy(data.clinical[idx]),
                                         config, generator)
        labels = torch.from_numpy(data.labels[idx]).to(device)
        loss = loss_fn(model(images.to(device), clinical.to(device)), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    return total / len(data)


def _save_atomic(payload: dict, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


class _Run:
    """The mutable state of one training run, saved to and restored from ``last.pt``."""

    def __init__(self, config: ALMSSConfig, train: PreparedDataset, kind: str, epochs: int, device: str) -> None:
        self.model = build_network(config, len(train.class_names), kind).to(device)
        self.loss_fn = ClassBalancedLoss(class_balanced_weights(train.class_counts(), config.cb_beta),
                                         config.loss, config.focal_gamma).to(device)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        milestones = sorted({max(1, int(epochs * 0.6)), max(1, int(epochs * 0.9))})
        self.scheduler = torch.optim.lr_scheduler.MultiStepLR(self.optimizer, milestones=milestones, gamma=0.1)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.config_json = config.to_json()
        self.epoch, self.best_epoch, self.best_key, self.history = 0, 0, (-math.inf, -math.inf), []

    def state(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "generator": self.generator.get_state(),
                "epoch": self.epoch, "best_epoch": self.best_epoch, "best_key": list(self.best_key),
                "history": self.history, "config": self.config_json}

    def epoch_step(self, config: ALMSSConfig, train: PreparedDataset, validation: PreparedDataset,
                   checkpoint_dir: Path) -> dict:
        """Train one epoch, validate, update ``best.pt`` if better, always write ``last.pt``."""
        train_loss = _train_epoch(self.model, self.loss_fn, self.optimizer, train, config, self.generator)
        self.scheduler.step()
        val_auc = macro_auc(validation.labels, predict_dataset(self.model, validation, config.batch_size))
        val_loss = _validation_loss(self.model, self.loss_fn, validation, config.batch_size)
        self.epoch += 1
        record = {"epoch": self.epoch, "train_loss": train_loss, "val_loss": val_loss, "val_macro_auc": val_auc}
        self.history.append(record)
        if _selection_key(val_auc, val_loss) > self.best_key:
            self.best_key, self.best_epoch = _selection_key(val_auc, val_loss), self.epoch
            _save_atomic({"model": self.model.state_dict(), "epoch": self.epoch}, checkpoint_dir / "best.pt")
        _save_atomic(self.state(), checkpoint_dir / "last.pt")
        return record

    def restore(self, state: dict) -> None:
        if state.get("config") != self.config_json:
            raise ValueError("the checkpoint was trained with another config; resume with the same --config "
                             "or start in a new --out folder")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.generator.set_state(state["generator"].cpu())
        self.epoch, self.best_epoch = state["epoch"], state["best_epoch"]
        self.best_key, self.history = tuple(state["best_key"]), state["history"]


def train_network(
    config: ALMSSConfig,
    train: PreparedDataset,
    validation: PreparedDataset,
    checkpoint_dir: str | Path,
    kind: str = "almss",
    epochs: int | None = None,
    resume: bool = False,
    progress: bool = True,
    on_epoch: Callable[[dict], None] | None = None,
    device: str = "cpu",
) -> TrainResult:
    """Train one network; keep the epoch with the best validation macro AUC (``best.pt``)."""
    epochs = epochs or config.epochs
    checkpoint_dir = Path(checkpoint_dir)
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    run = _Run(config, train, kind, epochs, device)
    last = checkpoint_dir / "last.pt"
    if resume and last.exists():
        run.restore(torch.load(last, map_location=device, weights_only=True))
        logger.info("resumed from %s after epoch %d", last, run.epoch)
    bar = tqdm(range(run.epoch, epochs), initial=run.epoch, total=epochs, desc=f"train {kind}", disable=not progress)
    for _ in bar:
        record = run.epoch_step(config, train, validation, checkpoint_dir)
        bar.set_postfix(loss=f"{record['train_loss']:.3f}", val_auc=f"{record['val_macro_auc']:.3f}")
        if on_epoch:
            on_epoch(record)
    run.model.load_state_dict(torch.load(checkpoint_dir / "best.pt", map_location=device, weights_only=True)["model"])
    run.model.eval()
    best_auc = run.best_key[0] if run.best_key[0] != -math.inf else float("nan")
    return TrainResult(run.model, run.best_epoch, best_auc, run.history)
