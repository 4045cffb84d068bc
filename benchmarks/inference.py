"""Benchmark ALMSS inference: per-case seconds and peak memory, CPU here or ``--device cuda``.

Segmentation part (INFER): nnU-Net ``predict_single_npy_array`` as the Celery worker runs it,
at the demo size (48 x 48 x 16 phantoms, the ``3d_tiny`` network) and at the paper's size
(512 x 512 CT, the default nnU-Net 3d_fullres PlainConvUNet, 32..320 features, patch
48 x 192 x 192, random weights: speed does not depend on them). Baseline, measured in the same
run: a cold start per case (import nnU-Net + load the model + segment, what ``nnUNetv2_predict``
per case costs) against the warm per-process predictor the Celery worker keeps.
Each scenario runs in a fresh spawned process so its peak RSS is its own.

The classifier and Grad-CAM part (ALMSS) is ``benchmarks/almss_classifier.py``.

    .venv/bin/python benchmarks/inference.py --quick            # ~3-5 min on 2 shared CPU cores
    .venv/bin/python benchmarks/inference.py --device cuda      # paper size end to end on a GPU
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from copy import deepcopy
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# benchmarks/statistics.py would shadow the standard library's statistics module (imported by scipy/nnU-Net).
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "benchmarks"]

PAPER_SPACING = [5.0, 0.75, 0.75]
PAPER_PATCH = [48, 192, 192]
PAPER_ARCH = {
    "n_stages": 6, "features_per_stage": [32, 64, 128, 256, 320, 320],
    "kernel_sizes": [[1, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3]],
    "strides": [[1, 1, 1], [1, 2, 2], [2, 2, 2], [2, 2, 2], [2, 2, 2], [1, 2, 2]],
    "n_conv_per_stage": [2, 2, 2, 2, 2, 2], "n_conv_per_stage_decoder": [2, 2, 2, 2, 2],
}


# --- segmentation (INFER) ------------------------------------------------------------------------------------------

def tiny_model_dir(cache: Path) -> Path:
    """A trained 3d_tiny model folder (the QUICK demo model, built once into ``cache``)."""
    from inference.demo import QUICK, build_demo_model

    return Path(build_demo_model(cache, QUICK, log=lambda message: None)["segmentation"])


def paper_predictor(model_dir: Path, device: str):
    """A predictor with the paper-size 3d_fullres architecture (random weights) on the tiny model's plans."""
    import torch
    from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor
    from nnunetv2.training.nnUNetTrainer.nnUNetTrainer import nnUNetTrainer
    from nnunetv2.utilities.plans_handling.plans_handler import PlansManager

    plans = json.loads((model_dir / "plans.json").read_text())
    dataset_json = json.loads((model_dir / "dataset.json").read_text())
    arch = deepcopy(plans["configurations"]["3d_fullres"]["architecture"])
    arch["arch_kwargs"].update(PAPER_ARCH)
    plans["configurations"]["3d_paper"] = {"inherits_from": "3d_fullres", "patch_size": PAPER_PATCH,
                                           "spacing": PAPER_SPACING, "architecture": arch}
    manager = PlansManager(plans)
    configuration = manager.get_configuration("3d_paper")
    network = nnUNetTrainer.build_network_architecture(manager, configuration, 1, 3, enable_deep_supervision=False)
    predictor = nnUNetPredictor(use_mirroring=False, perform_everything_on_device=device.startswith("cuda"),
                                device=torch.device(device), allow_tqdm=False)
    predictor.manual_initialization(network, manager, configuration, [network.state_dict()], dataset_json,
                                    "nnUNetTrainer", None)
    return predictor


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _segmentation_scenario(kind: str, model_dir: str, device: str, cases: int, shape: list[int], threads: int) -> dict:
    """Runs in a spawned process: time ``cases`` x 4 phases (paper: one phase); ``load_s`` includes imports."""
    started = time.perf_counter()
    import numpy as np
    import torch

    from inference.segmentation import LiverTumourSegmenter

    torch.set_num_threads(threads)
    folder = Path(model_dir)
    rng = np.random.default_rng(0)
    volume = rng.normal(60, 40, size=shape).astype(np.float32)
    spacing = PAPER_SPACING if kind == "paper" else [12.5, 8.1, 8.1]
    if kind == "paper":
        segmenter = LiverTumourSegmenter(paper_predictor(folder, device), folder, ("random",))
    else:
        segmenter = LiverTumourSegmenter.load(folder, device)
    load_s = time.perf_counter() - started
    per_case = []
    for _ in range(cases):
        tick = time.perf_counter()
        for _phase in range(4 if kind != "paper" else 1):
            segmenter.segment(volume, spacing)
        per_case.append(time.perf_counter() - tick)
    gpu_mb = torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else None
    return {"scenario": kind, "shape_zyx": shape, "load_s": round(load_s, 2),
            "seconds_per_case": round(float(np.median(per_case)), 3), "runs": cases,
            "peak_rss_mb": round(_peak_mb()), "peak_gpu_mb": None if gpu_mb is None else round(gpu_mb)}


def run_isolated(*args) -> dict:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_segmentation_scenario, args)


def benchmark_segmentation(device: str, quick: bool, threads: int, cache: Path) -> list[dict]:
    """Demo size (warm predictor vs cold start per case) and paper size, one spawned process each."""
    model_dir = str(tiny_model_dir(cache))
    demo_shape, cases = [16, 48, 48], (3 if quick else 10)
    demo = run_isolated("demo", model_dir, device, cases, demo_shape, threads)
    demo["baseline_cold_start_s_per_case"] = round(demo["load_s"] + demo["seconds_per_case"], 2)
    demo["ratio_cold_vs_warm"] = round(demo["baseline_cold_start_s_per_case"] / max(demo["seconds_per_case"], 1e-9), 1)
    rows = [demo]
    paper_shape = PAPER_PATCH if quick else [64, 512, 512]
    paper = run_isolated("paper", model_dir, device, 1, paper_shape, threads)
    paper["note"] = "one phase" + (" = one sliding-window tile" if quick else "")
    if quick:
        tiles = _tiles([64, 512, 512])
        paper["estimated_seconds_per_case_512x512x64"] = round(paper["seconds_per_case"] * tiles * 4, 1)
        paper["estimate_basis"] = f"{tiles} tiles per phase x 4 phases (tile step 0.5, no mirroring)"
    else:
        paper["seconds_per_case"] = round(paper["seconds_per_case"] * 4, 2)
        paper["note"] = "4 x the measured phase"
    rows.append(paper)
    return rows


def _tiles(shape: list[int]) -> int:
    import math

    count = 1
    for size, patch in zip(shape, PAPER_PATCH):
        step = max(1, patch // 2)
        count *= 1 if size <= patch else math.ceil((size - patch) / step) + 1
    return count


# --- main ----------------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="few runs; paper size = one tile (plus an estimate)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache", default=str(REPO / "var" / "benchmarks" / "inference"))
    args = parser.parse_args()
    rows = benchmark_segmentation(args.device, args.quick, args.threads, Path(args.cache))
    print(f"segmentation (nnU-Net, device={args.device}, threads={args.threads}):")
    for row in rows:
        print("  " + json.dumps(row))


if __name__ == "__main__":
    main()
