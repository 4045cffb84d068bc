"""Grad-CAM (Selvaraju et al., ICCV 2017) on each phase backbone's last stage.

Not in the authors' code; the paper shows Grad-CAM heat maps without details. Design: one
forward pass with hooks on every phase's last stage, one backward pass of the chosen class's
logit, then per phase ``ReLU(sum_k mean(dY/dA_k) * A_k)``, upsampled (trilinear) to the network
input size and min-max normalised to 0..1. One backward serves all four phases, so this costs
one training step instead of four (MONAI's ``GradCAM`` takes one target layer per call).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["grad_cam"]


def _normalise(cam: torch.Tensor) -> torch.Tensor:
    low, high = cam.min(), cam.max()
    if float(high - low) <= 1e-12:
        return torch.zeros_like(cam)
    return (cam - low) / (high - low)


def grad_cam(
    model: nn.Module, images: torch.Tensor, clinical: torch.Tensor, class_index: int | None = None
) -> tuple[dict[int, np.ndarray], torch.Tensor]:
    """Return per-phase heat maps (D, H, W) in 0..1 for one case, and the logits.

    Args:
        model: a network with ``cam_layers()`` (ALMSSNet or BaselineCNN).
        images: (1, 4, 2, D, H, W).
        clinical: (1, 3).
        class_index: class to explain; default the predicted (argmax) class.
    """
    if images.shape[0] != 1:
        raise ValueError(f"grad_cam explains one case at a time, got a batch of {images.shape[0]}")
    activations: dict[int, torch.Tensor] = {}

    def keep(phase: int):
        def hook(_module, _inputs, output):
            activations[phase] = output

        return hook

    handles = [layer.register_forward_hook(keep(p)) for p, layer in model.cam_layers().items()]
    model.eval()
    try:
        with torch.enable_grad():
            # An input that requires grad keeps the graph even when the weights are frozen.
            logits = model(images.detach().requires_grad_(True), clinical)
            target = int(logits.argmax(dim=1)) if class_index is None else class_index
            phases = sorted(activations)
            # autograd.grad, not backward(): parameter .grad stays untouched for any other user of the model.
            grads = torch.autograd.grad(logits[0, target], [activations[p] for p in phases])
    finally:
        for handle in handles:
            handle.remove()
    gradients = dict(zip(phases, grads))
    size = tuple(images.shape[-3:])
    maps = {}
    for phase, activation in activations.items():
        weights = gradients[phase].mean(dim=(2, 3, 4), keepdim=True)
        cam = F.relu((weights * activation).sum(dim=1, keepdim=True))
        cam = F.interpolate(cam, size=size, mode="trilinear", align_corners=False)
        maps[phase] = _normalise(cam[0, 0].detach()).cpu().numpy().astype(np.float32)
    return maps, logits.detach()
