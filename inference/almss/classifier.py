"""The ALMSS classification network (paper, Methods "Overview of ALMSS", Fig. 3).

Per phase a 3D ResNet-18 backbone (four backbones, weights not shared) reads a 2-channel crop
(liver-masked and tumour-masked image: the "global" and "local" ROI stacked as channels, as in the
authors' code), global pooling, a projection shared by the four phases; age and sex go through a
small MLP; the clinical embedding is added to each phase's feature; an LSTM reads the four phases
in acquisition order (pre-contrast, arterial, portal venous, delayed); a linear head gives logits.
Softmax is applied outside the module (:func:`predict_proba`) so losses get raw logits.

Where the authors' code and the paper differ, this follows the paper:

* clinical branch: the paper says MLP; the code has a single ``Linear(3, 100)``. Here:
  Linear -> ReLU -> Linear.

Kept from the authors' code where the paper is silent: global *max* pooling (configurable), the
LSTM readout as the maximum over the four time steps (not only the last hidden state).

Two instances make ALMSS: network 1 (HCC / ICC / LM, ``TUMOUR_CLASSES`` order) and network 2
(six origin systems, ``ORIGIN_SYSTEMS`` order).
"""
from __future__ import annotations

import torch
from torch import nn

from inference.almss.configs import ALMSSConfig
from inference.almss.resnet3d import ResNet3d

__all__ = ["ALMSSNet", "build_network", "clinical_vector", "predict_proba", "N_PHASES"]

N_PHASES = 4
N_CLINICAL = 3


def clinical_vector(age: float, sex: str) -> list[float]:
    """Return ``[age / 100, male, female]``, the clinical input of the MLP."""
    if sex not in {"M", "F"}:
        raise ValueError(f"sex must be 'M' or 'F', got {sex!r}")
    return [float(age) / 100.0, float(sex == "M"), float(sex == "F")]


class ALMSSNet(nn.Module):
    """Four-phase 3D ResNet + clinical MLP + LSTM classifier.

    Input: ``images`` (B, 4, 2, D, H, W) in phase order, ``clinical`` (B, 3).
    Output: logits (B, n_classes).
    """

    def __init__(self, config: ALMSSConfig, n_classes: int) -> None:
        super().__init__()
        self.config = config
        self.n_classes = n_classes
        self.backbones = nn.ModuleList(
            ResNet3d(
                in_channels=2,
                widths=config.widths,
                blocks=config.blocks,
                stem_width=config.stem_width,
                strides=config.stage_strides,
                dilations=config.stage_dilations,
            )
            for _ in range(N_PHASES)
        )
        self.pool = nn.AdaptiveMaxPool3d(1) if config.global_pool == "max" else nn.AdaptiveAvgPool3d(1)
        self.projection = nn.Linear(self.backbones[0].num_features, config.projection_dim)
        self.clinical_mlp = nn.Sequential(
            nn.Linear(N_CLINICAL, config.clinical_hidden),
            nn.ReLU(inplace=True),
            nn.Linear(config.clinical_hidden, config.projection_dim),
        )
        self.lstm = nn.LSTM(
            input_size=config.projection_dim,
            hidden_size=config.lstm_hidden,
            num_layers=config.lstm_layers,
            batch_first=True,
        )
        self.head = nn.Linear(config.lstm_hidden, n_classes)

    def cam_layers(self) -> dict[int, nn.Module]:
        """Phase index -> layer whose activations Grad-CAM uses (each backbone's last stage)."""
        return {i: backbone.last_stage for i, backbone in enumerate(self.backbones)}

    def forward_features(self, images: torch.Tensor, clinical: torch.Tensor) -> torch.Tensor:
        """Return the pooled LSTM feature (B, lstm_hidden) before the head."""
        if images.ndim != 6 or images.shape[1] != N_PHASES or images.shape[2] != 2:
            raise ValueError(f"images must be (B, {N_PHASES}, 2, D, H, W), got {tuple(images.shape)}")
        clinical_embedding = self.clinical_mlp(clinical)
        steps = []
        for phase, backbone in enumerate(self.backbones):
            feature = self.pool(backbone(images[:, phase])).flatten(1)
            steps.append(self.projection(feature) + clinical_embedding)
        sequence, _ = self.lstm(torch.stack(steps, dim=1))
        return sequence.max(dim=1).values

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        return self.head(features)

    def forward(self, images: torch.Tensor, clinical: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(images, clinical))


def build_network(config: ALMSSConfig, n_classes: int, kind: str = "almss") -> nn.Module:
    """Build a freshly initialised network: ``kind`` "almss" or "baseline" (the plain CNN)."""
    torch.manual_seed(config.seed)
    if kind == "almss":
        return ALMSSNet(config, n_classes)
    if kind == "baseline":
        from inference.almss.baseline import BaselineCNN

        return BaselineCNN(config, n_classes)
    raise ValueError(f"unknown network kind {kind!r}: use 'almss' or 'baseline'")


@torch.no_grad()
def predict_proba(model: nn.Module, images: torch.Tensor, clinical: torch.Tensor) -> torch.Tensor:
    """Softmax probabilities in eval mode (B, n_classes)."""
    model.eval()
    return torch.softmax(model(images, clinical), dim=1)
