"""The ALMSS bundle (contract 6): a directory that holds a complete, registered model.

Layout::

    config.json     ALMSSConfig shared by every network of the bundle
    primary.pt      network 1 (HCC / ICC / LM)            {format, network, kind, class_names, state_dict, ...}
    origin.pt       network 2 (six origin systems)
    baseline.pt     optional: the plain single-phase CNN (Table 4 comparison)
    cutoffs.json    {"primary": {class: cut-off}, "origin": {...}, "baseline": {...}}
    metrics.json    {"primary": validation metrics, "origin": ..., ...}
    LABEL.txt       e.g. "synthetic data, not for clinical use"
    SHA256SUMS      sha256 of each file above; the bundle checksum is the sha256 of this file

``.pt`` files hold only tensors and plain values and are read with ``torch.load(weights_only=True)``.
``checkpoints/`` (training state) may live in the same directory and is not part of the bundle.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from inference.almss.classifier import build_network
from inference.almss.configs import ALMSSConfig
from inference.almss.cutoffs import hierarchical_call
from inference.almss.data import KIND_OF_NETWORK, class_names_for, prepare_case
from inference.almss.gradcam import grad_cam
from inference.almss.preprocess import PhaseInput, paste_into_phase_grid
from reader_study.vocabulary import PHASES, Phase

__all__ = ["ALMSSBundle", "ALMSSPrediction", "BundleError", "save_network", "bundle_checksum", "load_network"]

FORMAT = "almss-network/1"
BUNDLE_FILES = ("config.json", "primary.pt", "origin.pt", "cutoffs.json", "metrics.json", "LABEL.txt")
OPTIONAL_FILES = ("baseline.pt",)
CHECKSUM_FILE = "SHA256SUMS"


class BundleError(ValueError):
    """A bundle directory is incomplete, inconsistent or altered."""


@dataclass
class ALMSSPrediction:
    primary_probabilities: dict[str, float]
    origin_probabilities: dict[str, float] | None
    final_class: str
    final_origin: str | None
    heatmaps: dict[Phase, np.ndarray] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    flags: dict[str, list[str]] = field(default_factory=dict)


def _read_json(path: Path, default=None):
    return json.loads(path.read_text()) if path.exists() else default


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, allow_nan=False))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_checksums(bundle_dir: Path) -> str:
    names = [n for n in BUNDLE_FILES + OPTIONAL_FILES if (bundle_dir / n).exists()]
    (bundle_dir / CHECKSUM_FILE).write_text("".join(f"{_sha256(bundle_dir / n)}  {n}\n" for n in names))
    return bundle_checksum(bundle_dir)


def bundle_checksum(bundle_dir: str | Path) -> str:
    """The bundle's identity: sha256 of its SHA256SUMS file (which lists every bundle file's sha256)."""
    return _sha256(Path(bundle_dir) / CHECKSUM_FILE)


def verify_checksums(bundle_dir: Path) -> None:
    sums = bundle_dir / CHECKSUM_FILE
    if not sums.exists():
        raise BundleError(f"{bundle_dir}: {CHECKSUM_FILE} is missing")
    for line in sums.read_text().splitlines():
        expected, name = line.split("  ", 1)
        if not (bundle_dir / name).exists() or _sha256(bundle_dir / name) != expected:
            raise BundleError(f"{bundle_dir / name}: missing or changed since the bundle was written")


def save_network(
    bundle_dir: str | Path,
    network: str,
    model: nn.Module,
    config: ALMSSConfig,
    cutoffs: Mapping[str, float],
    metrics: Mapping | None = None,
    label: str = "research model, not for clinical use",
    extra: Mapping | None = None,
) -> str:
    """Write one trained network into a bundle directory (created if needed); return the new checksum.

    The other networks already there are kept; their config must equal ``config``.
    """
    bundle_dir = Path(bundle_dir)
    bundle_dir.mkdir(parents=True, exist_ok=True)
    stored = _read_json(bundle_dir / "config.json")
    if stored is not None and ALMSSConfig.from_dict(stored) != config:
        raise BundleError(f"{bundle_dir}: config.json differs from this network's config; use a new --out folder")
    _write_json(bundle_dir / "config.json", config.to_dict())
    payload = {"format": FORMAT, "network": network, "kind": KIND_OF_NETWORK[network],
               "class_names": list(class_names_for(network)), "state_dict": model.state_dict(), **dict(extra or {})}
    torch.save(payload, bundle_dir / f"{network}.pt")
    for name, value in (("cutoffs.json", dict(cutoffs)), ("metrics.json", dict(metrics or {}))):
        merged = _read_json(bundle_dir / name, {})
        merged[network] = value
        _write_json(bundle_dir / name, merged)
    (bundle_dir / "LABEL.txt").write_text(label.strip() + "\n")
    return _write_checksums(bundle_dir)


def load_network(path: Path, config: ALMSSConfig, device: str = "cpu") -> tuple[nn.Module, tuple[str, ...]]:
    """Rebuild a network from a ``.pt`` file of a bundle (eval mode)."""
    payload = torch.load(path, map_location=device, weights_only=True)
    if payload.get("format") != FORMAT:
        raise BundleError(f"{path}: not an ALMSS network file (format {payload.get('format')!r})")
    class_names = tuple(payload["class_names"])
    model = build_network(config, len(class_names), payload["kind"])
    model.load_state_dict(payload["state_dict"])
    return model.to(device).eval(), class_names


class ALMSSBundle:
    """A loaded bundle: both networks, their cut-offs and the hierarchical prediction."""

    def __init__(self, path: Path, config: ALMSSConfig, networks: dict[str, tuple[nn.Module, tuple[str, ...]]],
                 cutoffs: dict, metrics: dict, label: str, checksum: str, device: str) -> None:
        self.path, self.config, self.networks = path, config, networks
        self.cutoffs, self.metrics, self.label, self.checksum, self.device = cutoffs, metrics, label, checksum, device

    @classmethod
    def load(cls, path: str | Path, device: str = "cpu", verify: bool = True, partial: bool = False) -> ALMSSBundle:
        """Load and verify a bundle; ``partial=True`` accepts any subset of networks (for evaluation only)."""
        path = Path(path)
        required = [n for n in BUNDLE_FILES if not (partial and n.endswith(".pt"))]
        missing = [name for name in required if not (path / name).exists()]
        if missing:
            raise BundleError(f"{path}: not a complete ALMSS bundle, missing {', '.join(missing)}")
        if verify:
            verify_checksums(path)
        config = ALMSSConfig.from_dict(_read_json(path / "config.json"))
        names = [n for n in ("primary", "origin", "baseline") if (path / f"{n}.pt").exists()]
        networks = {name: load_network(path / f"{name}.pt", config, device) for name in names}
        return cls(path, config, networks, _read_json(path / "cutoffs.json"), _read_json(path / "metrics.json"),
                   (path / "LABEL.txt").read_text().strip(), bundle_checksum(path), device)

    def _probabilities(self, network: str, images: torch.Tensor, clinical: torch.Tensor) -> dict[str, float]:
        model, class_names = self.networks[network]
        with torch.no_grad():
            probabilities = torch.softmax(model(images, clinical), dim=1)[0].cpu().tolist()
        return dict(zip(class_names, probabilities))

    def predict(self, phase_inputs: Mapping[Phase, PhaseInput], age: int, sex: str,
                explain: bool = True) -> ALMSSPrediction:
        """Preprocess, run network 1, apply cut-offs, run network 2 if LM, and explain with Grad-CAM.

        The heat maps explain network 1's final call (the question readers answer first).
        """
        if not {"primary", "origin"} <= set(self.networks):
            raise BundleError(f"{self.path}: predicting needs both primary.pt and origin.pt")
        timings, started = {}, time.perf_counter()
        images, clinical, prepared = prepare_case(phase_inputs, age, sex, self.config)
        x = torch.from_numpy(images)[None].to(self.device)
        c = torch.from_numpy(clinical)[None].to(self.device)
        timings["preprocess_s"] = time.perf_counter() - started
        tick = time.perf_counter()
        primary = self._probabilities("primary", x, c)
        call = hierarchical_call(primary, self.cutoffs["primary"], lambda: self._probabilities("origin", x, c),
                                 self.cutoffs["origin"])
        timings["classify_s"] = time.perf_counter() - tick
        heatmaps = {}
        if explain:
            tick = time.perf_counter()
            model, class_names = self.networks["primary"]
            maps, _ = grad_cam(model, x, c, class_index=class_names.index(call.final_class))
            heatmaps = {phase: paste_into_phase_grid(maps[i], prepared[phase].box, prepared[phase].grid_shape)
                        for i, phase in enumerate(PHASES) if i in maps}
            timings["gradcam_s"] = time.perf_counter() - tick
        timings["total_s"] = time.perf_counter() - started
        return ALMSSPrediction(primary, call.origin_probabilities, call.final_class, call.final_origin, heatmaps,
                               timings, {phase.value: p.flags for phase, p in prepared.items() if p.flags})
