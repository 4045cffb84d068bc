"""Benchmark the ALMSS classifier (ALMSS area): forward, training step and Grad-CAM seconds per case.

Sizes: the ``demo`` preset (16 x 40 x 40, narrow widths) and the ``paper`` preset (32 x 160 x 192,
ResNet-18 widths, dilated last stages as in the authors' trunk, LSTM 512 x 2). Batch 1, random
weights (speed does not depend on them). Baseline measured in the same run: the forward pass;
the training step (forward + backward + AdamW) and Grad-CAM (forward with autograd + one backward
from the class logit down to the four last stages only, so close to a forward pass) are reported as
ratios to it. Each scenario runs in a fresh spawned process so its peak RSS is its own.

The load average is printed with each row: on a shared machine, compare rows of one run only.

``--quick`` at the paper size times one phase backbone (+ the cheap head) and multiplies the
backbone part by four: a labelled estimate, because a full paper-size case costs minutes on 2 CPU
cores. Without ``--quick`` the whole four-phase network is timed.

    .venv/bin/python benchmarks/almss_classifier.py --quick
    .venv/bin/python benchmarks/almss_classifier.py --device cuda

``benchmarks/inference.py`` (segmentation, INFER) points here; :func:`benchmark_classifier` is importable.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _timed(fn, device: str, repeats: int) -> float:
    """Fastest wall-clock seconds of ``fn`` over ``repeats`` runs after one warm-up.

    The minimum, not the median: on a shared machine other processes only ever add time.
    """
    fn()
    _sync(device)
    times = []
    for _ in range(repeats):
        tick = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - tick)
    return min(times)


def _one_phase_timings(config, device: str, repeats: int) -> dict:
    """Forward / train step / Grad-CAM-like backward of one phase backbone at the config's size."""
    import torch

    from inference.almss.resnet3d import ResNet3d

    backbone = ResNet3d(2, config.widths, config.blocks, config.stem_width, config.stage_strides,
                        config.stage_dilations).to(device)
    x = torch.randn(1, 2, *config.input_size, device=device)

    def forward():
        with torch.no_grad():
            backbone.eval()(x)

    def step():
        backbone.train()(x).amax().backward()

    def gradcam():
        # Grad-CAM differentiates only down to the last stage's output: a forward with autograd on,
        # then a backward through pooling and the head (here: the max), not through the trunk.
        output = backbone.eval()(x)
        torch.autograd.grad(output.amax(), output)

    return {"forward_s": _timed(forward, device, repeats), "train_step_s": _timed(step, device, repeats),
            "gradcam_s": _timed(gradcam, device, repeats)}


def _full_network_timings(config, device: str, repeats: int) -> dict:
    """Forward, training step and Grad-CAM of the whole four-phase network (network 1, 3 classes)."""
    import torch

    from inference.almss.classifier import build_network, clinical_vector
    from inference.almss.gradcam import grad_cam

    model = build_network(config, 3).to(device)
    images = torch.randn(1, 4, 2, *config.input_size, device=device)
    clinical = torch.tensor([clinical_vector(60, "M")], device=device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr)

    def forward():
        with torch.no_grad():
            model.eval()(images, clinical)

    def step():
        model.train()
        loss = model(images, clinical).logsumexp(dim=1).sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return {"forward_s": round(_timed(forward, device, repeats), 3),
            "train_step_s": round(_timed(step, device, repeats), 3),
            "gradcam_s": round(_timed(lambda: grad_cam(model, images, clinical), device, repeats), 3),
            "parameters_m": round(sum(p.numel() for p in model.parameters()) / 1e6, 2)}


def _scenario(preset: str, device: str, threads: int, repeats: int, one_phase: bool) -> dict:
    """Runs in a spawned process: time the classifier at one preset and report peak memory."""
    import torch

    from inference.almss.configs import get_config

    torch.set_num_threads(threads)
    config = get_config(preset)
    row = {"preset": preset, "input_size": list(config.input_size), "device": device,
           "load_average_1min": round(os.getloadavg()[0], 1)}
    if one_phase:
        timings = _one_phase_timings(config, device, repeats)
        row.update({key: round(value * 4, 3) for key, value in timings.items()})
        row["note"] = "estimate: one phase backbone measured, x4 phases (LSTM and head are negligible)"
    else:
        row.update(_full_network_timings(config, device, repeats))
    row["train_step_vs_forward"] = round(row["train_step_s"] / max(row["forward_s"], 1e-9), 1)
    row["gradcam_vs_forward"] = round(row["gradcam_s"] / max(row["forward_s"], 1e-9), 1)
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if device.startswith("cuda"):
        row["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated() / 2**20)
    return row


def _isolated(*args) -> dict:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_scenario, args)


def benchmark_classifier(device: str = "cpu", quick: bool = False, threads: int = 2) -> list[dict]:
    """Per-case classifier timings at the demo and paper presets (one spawned process each)."""
    paper_one_phase = quick and not device.startswith("cuda")
    return [_isolated("demo", device, threads, 5, False),
            _isolated("paper", device, threads, 1 if quick else 3, paper_one_phase)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="one run each; paper size estimated from one phase")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    print(f"classifier (ALMSS, batch 1, device={args.device}, threads={args.threads}):")
    for row in benchmark_classifier(args.device, args.quick, args.threads):
        print("  " + json.dumps(row))


if __name__ == "__main__":
    main()
