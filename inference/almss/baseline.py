"""The paper's plain "CNN" baseline (Table 4): one phase, one 3D CNN, no clinical data, no LSTM.

It reads only the tumour-masked channel of one phase (portal venous by default) from the same
(B, 4, 2, D, H, W) batch as :class:`~inference.almss.classifier.ALMSSNet`, so both networks share
one data set, one training loop, one evaluation and one bundle format. The comparison then
isolates what the four phases, the liver context, the clinical branch and the LSTM add.
"""
from __future__ import annotations

import torch
from torch import nn

from inference.almss.configs import ALMSSConfig
from reader_study.vocabulary import PHASES, Phase

__all__ = ["BaselineCNN"]

TUMOUR_CHANNEL = 1


def conv_block(in_channels: int, channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv3d(in_channels, channels, 3, padding=1, bias=False),
        nn.BatchNorm3d(channels),
        nn.ReLU(inplace=True),
    )


class BaselineCNN(nn.Module):
    """Plain 3D CNN: conv-BN-ReLU blocks with max pooling between them, global average pool, linear."""

    def __init__(self, config: ALMSSConfig, n_classes: int) -> None:
        super().__init__()
        self.config = config
        self.n_classes = n_classes
        self.phase_index = PHASES.index(Phase(config.baseline_phase))
        blocks: list[nn.Module] = []
        previous = 1
        for i, width in enumerate(config.baseline_widths):
            if i > 0:
                blocks.append(nn.MaxPool3d(2, ceil_mode=True))
            blocks.append(conv_block(previous, width))
            previous = width
        self.features = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.head = nn.Linear(previous, n_classes)

    def cam_layers(self) -> dict[int, nn.Module]:
        """Phase index -> last convolution block (only the one phase this network sees)."""
        return {self.phase_index: self.features[-1]}

    def forward_features(self, images: torch.Tensor, clinical: torch.Tensor | None = None) -> torch.Tensor:
        x = images[:, self.phase_index, TUMOUR_CHANNEL : TUMOUR_CHANNEL + 1]
        return self.pool(self.features(x)).flatten(1)

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        return self.head(features)

    def forward(self, images: torch.Tensor, clinical: torch.Tensor | None = None) -> torch.Tensor:
        return self.forward_head(self.forward_features(images, clinical))
