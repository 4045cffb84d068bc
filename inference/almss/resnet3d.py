"""A small 3D ResNet (BasicBlock) trunk with configurable widths, strides and dilations.

Why not ``monai.networks.nets.resnet18``: its widths are fixed at 64..512 and it has no dilation,
so it can neither shrink to the CPU demo size nor reproduce the authors' trunk. The authors used a
MedicalNet-style ResNet-18 (stem 7x7x7 stride 2, max pool stride 2, stage strides 1, 2, 1, 1,
dilations 1, 1, 2, 4: output stride 8). This file rebuilds that layout from its description in
``shared/notes/almss_nnunet.md`` (no code copied). One difference: shortcuts that change shape use a
1x1x1 convolution + batch norm (ResNet "B"); MedicalNet's type "A" zero-pads channels instead.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["BasicBlock3d", "ResNet3d"]


class BasicBlock3d(nn.Module):
    """Two 3x3x3 convolutions with a residual connection."""

    expansion = 1

    def __init__(self, in_channels: int, channels: int, stride: int = 1, dilation: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv3d(in_channels, channels, 3, stride=stride, padding=dilation, dilation=dilation,
                               bias=False)
        self.bn1 = nn.BatchNorm3d(channels)
        self.conv2 = nn.Conv3d(channels, channels, 3, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm3d(channels)
        self.act = nn.ReLU(inplace=True)
        self.downsample: nn.Module = nn.Identity()
        if stride != 1 or in_channels != channels:
            self.downsample = nn.Sequential(
                nn.Conv3d(in_channels, channels, 1, stride=stride, bias=False), nn.BatchNorm3d(channels)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = self.downsample(x)
        x = self.act(self.bn1(self.conv1(x)))
        x = self.bn2(self.conv2(x))
        return self.act(x + shortcut)


def make_stage(in_channels: int, channels: int, blocks: int, stride: int, dilation: int) -> nn.Sequential:
    layers = [BasicBlock3d(in_channels, channels, stride=stride, dilation=dilation)]
    layers += [BasicBlock3d(channels, channels, dilation=dilation) for _ in range(blocks - 1)]
    return nn.Sequential(*layers)


class ResNet3d(nn.Module):
    """3D ResNet trunk returning the last stage's feature map (no pooling, no classifier).

    Args:
        in_channels: input channels (ALMSS: 2, liver-masked and tumour-masked image).
        widths: channels of each stage (ResNet-18: 64, 128, 256, 512).
        blocks: BasicBlocks per stage (ResNet-18: 2, 2, 2, 2).
        stem_width: channels of the stem convolution.
        strides: first-block stride of each stage.
        dilations: dilation of each stage's convolutions.
    """

    def __init__(
        self,
        in_channels: int = 2,
        widths: Sequence[int] = (64, 128, 256, 512),
        blocks: Sequence[int] = (2, 2, 2, 2),
        stem_width: int = 64,
        strides: Sequence[int] = (1, 2, 1, 1),
        dilations: Sequence[int] = (1, 1, 2, 4),
    ) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv3d(in_channels, stem_width, 7, stride=2, padding=3, bias=False),
            nn.BatchNorm3d(stem_width),
            nn.ReLU(inplace=True),
            nn.MaxPool3d(3, stride=2, padding=1),
        )
        stages, previous = [], stem_width
        for width, n_blocks, stride, dilation in zip(widths, blocks, strides, dilations):
            stages.append(make_stage(previous, width, n_blocks, stride, dilation))
            previous = width
        self.stages = nn.ModuleList(stages)
        self.num_features = previous
        self._init_weights()

    def _init_weights(self) -> None:
        for module in self.modules():
            if isinstance(module, nn.Conv3d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm3d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    @property
    def last_stage(self) -> nn.Module:
        """The layer Grad-CAM looks at."""
        return self.stages[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        return x
