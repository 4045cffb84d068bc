"""Plan, preprocess and train an nnU-Net v2 model through its Python API.

Why the API and not ``nnUNetv2_train``: on the CPU torch build any non-default ``-tr`` trainer
name crashes (the trainer lookup imports torchvision), and the default trainer's 1000 x 250
iterations are hours on CPU. We construct the stock ``nnUNetTrainer`` and shorten it by setting
attributes after construction, so checkpoints still say ``trainer_name='nnUNetTrainer'`` and load
anywhere. Fingerprint extraction samples 1e5 foreground voxels instead of 1e8 (12 s / 0.4 GB
instead of 55 s / 5 GB). Must be called from a ``__main__``-guarded script or a management
command: the fingerprint step uses a spawn pool, which cannot run inside a Celery prefork child.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path

from .dataset import FILE_ENDING, with_file_listing

TINY = "3d_tiny"
FULLRES = "3d_fullres"
PLANS_NAME = "nnUNetPlans"
FOREGROUND_VOXELS_FOR_STATS = 1e5
TINY_PATCH_CAP = (32, 64, 64)
TINY_STRIDES = [[1, 1, 1], [1, 2, 2], [2, 2, 2], [2, 2, 2]]


@dataclass(frozen=True)
class TrainingResult:
    """Where the trained model lives (pass ``model_dir`` to :meth:`LiverTumourSegmenter.load`)."""

    model_dir: Path
    configuration: str
    fold: str
    epochs_done: int
    seconds: float


def resolve_dataset_folder(raw_dir: str | Path) -> Path:
    """Accept either an ``nnUNet_raw`` root holding one ``DatasetNNN_*`` folder or that folder itself."""
    raw = Path(raw_dir)
    found = [raw] if (raw / "dataset.json").is_file() else sorted(
        p for p in raw.glob("Dataset*_*") if (p / "dataset.json").is_file())
    if len(found) != 1:
        raise ValueError(f"{raw}: expected one nnU-Net dataset folder (DatasetNNN_Name with dataset.json), found "
                         f"{len(found)}")
    meta_file = found[0] / "dataset.json"
    meta = json.loads(meta_file.read_text())
    if "dataset" not in meta:  # see with_file_listing: avoids nnU-Net's fork pool
        meta_file.write_text(json.dumps(with_file_listing(meta, found[0]), indent=2))
    return found[0]


@contextlib.contextmanager
def nnunet_environment(raw_root: Path, work_dir: Path, **extra: str) -> Iterator[None]:
    """Point nnU-Net's path variables (read lazily in 2.8) at our folders, restoring them afterwards."""
    values = {"nnUNet_raw": str(raw_root), "nnUNet_preprocessed": str(work_dir / "preprocessed"),
              "nnUNet_results": str(work_dir / "results"), **extra}
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def tiny_configuration(plans: dict) -> dict:
    """A 4-stage, 8..64-feature U-Net on the 3d_fullres data: ~1.4 MB, trainable on CPU in seconds."""
    fullres = plans["configurations"][FULLRES]
    arch = deepcopy(fullres["architecture"])
    arch["arch_kwargs"].update(
        n_stages=4, features_per_stage=[8, 16, 32, 64], kernel_sizes=[[1, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3]],
        strides=TINY_STRIDES, n_conv_per_stage=[1, 1, 1, 1], n_conv_per_stage_decoder=[1, 1, 1],
    )
    divisors = [4, 8, 8]  # product of the strides per axis
    patch = [max(d, min(p, cap) // d * d) for p, cap, d in zip(fullres["patch_size"], TINY_PATCH_CAP, divisors)]
    return {"inherits_from": FULLRES, "patch_size": patch, "batch_size": 2, "architecture": arch}


def plan_and_preprocess(dataset_folder: Path, work_dir: Path, log: Callable[[str], None] = print) -> dict:
    """Fingerprint, plan (adding ``3d_tiny``) and preprocess 3d_fullres; skipped when already done."""
    from nnunetv2.experiment_planning.dataset_fingerprint.fingerprint_extractor import DatasetFingerprintExtractor
    from nnunetv2.experiment_planning.experiment_planners.default_experiment_planner import ExperimentPlanner

    name = dataset_folder.name
    pre = work_dir / "preprocessed" / name
    plans_file = pre / f"{PLANS_NAME}.json"
    done_marker = pre / "preprocessing_done.json"
    if done_marker.is_file() and plans_file.is_file():
        log(f"plans and preprocessed data found in {pre}; skipping")
        return json.loads(plans_file.read_text())
    log("extracting the dataset fingerprint")
    extractor = DatasetFingerprintExtractor(name, num_processes=1, verbose=False)
    extractor.num_foreground_voxels_for_intensitystats = FOREGROUND_VOXELS_FOR_STATS
    extractor.show_progress_bar = False
    extractor.run(overwrite_existing=True)
    log("planning")
    ExperimentPlanner(name).plan_experiment()
    plans = json.loads(plans_file.read_text())
    plans["configurations"][TINY] = tiny_configuration(plans)
    plans_file.write_text(json.dumps(plans, indent=2))
    _preprocess_in_process(dataset_folder, pre, plans, log)
    done_marker.write_text(json.dumps({"cases": len(list((dataset_folder / "labelsTr").iterdir()))}))
    return plans


def _preprocess_in_process(dataset_folder: Path, pre: Path, plans: dict, log: Callable[[str], None]) -> None:
    """Preprocess 3d_fullres case by case in this process (no spawn pool: cheaper on 2 cores)."""
    from nnunetv2.utilities.plans_handling.plans_handler import PlansManager
    from nnunetv2.utilities.utils import get_filenames_of_train_images_and_targets

    manager = PlansManager(plans)
    configuration = manager.get_configuration(FULLRES)
    dataset_json = json.loads((pre / "dataset.json").read_text())
    out = pre / configuration.data_identifier
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    gt = pre / "gt_segmentations"
    gt.mkdir(exist_ok=True)
    preprocessor = configuration.preprocessor_class(verbose=False)
    cases = get_filenames_of_train_images_and_targets(str(dataset_folder), dataset_json)
    for number, (key, files) in enumerate(sorted(cases.items()), start=1):
        preprocessor.run_case_save(str(out / key), files["images"], files["label"], manager, configuration,
                                   dataset_json)
        shutil.copyfile(files["label"], gt / f"{key}{FILE_ENDING}")
        if number % 10 == 0 or number == len(cases):
            log(f"preprocessed {number}/{len(cases)} cases")


def train(
    raw_dir: str | Path, work_dir: str | Path, *, config: str = TINY, epochs: int = 1,
    iterations_per_epoch: int = 2, val_iterations: int = 1, device: str = "cpu", fold: str = "all",
    resume: bool = False, log: Callable[[str], None] = print,
) -> TrainingResult:
    """Plan, preprocess and train; returns the model folder for prediction.

    ``fold="all"`` trains on every case (small phantom sets have no room for a held-out fold;
    evaluation happens on a separately generated cohort). With ``resume`` an interrupted run
    continues from ``checkpoint_latest.pth`` (saved every epoch) or extends a finished one.
    """
    import time

    import torch
    from nnunetv2.training.nnUNetTrainer.nnUNetTrainer import nnUNetTrainer

    if config not in (TINY, FULLRES):
        raise ValueError(f"config must be {TINY!r} or {FULLRES!r}, got {config!r}")
    started = time.monotonic()
    dataset_folder = resolve_dataset_folder(raw_dir).resolve()
    work = Path(work_dir).resolve()
    with nnunet_environment(dataset_folder.parent, work):
        plans = plan_and_preprocess(dataset_folder, work, log)
    dataset_json = json.loads((work / "preprocessed" / dataset_folder.name / "dataset.json").read_text())
    # nnUNet_n_proc_DA=0 (augmentation in this process) only for training: planning crashes with it.
    with nnunet_environment(dataset_folder.parent, work, nnUNet_n_proc_DA="0", nnUNet_compile="f"):
        plans = deepcopy(plans)
        plans["continue_training"] = resume  # popped by __init__; the CLI normally adds it
        trainer = nnUNetTrainer(plans=plans, configuration=config, fold=fold, dataset_json=dataset_json,
                                device=torch.device(device))
        trainer.num_epochs = epochs
        trainer.num_iterations_per_epoch = iterations_per_epoch
        trainer.num_val_iterations_per_epoch = val_iterations
        trainer.save_every = 1
        _maybe_resume(trainer, resume, log)
        if trainer.current_epoch < epochs:
            log(f"training {config} for epochs {trainer.current_epoch}..{epochs - 1} on {device}")
            trainer.run_training()
        model_dir = Path(trainer.output_folder_base)
    return TrainingResult(model_dir=model_dir, configuration=config, fold=fold, epochs_done=epochs,
                          seconds=round(time.monotonic() - started, 1))


def _maybe_resume(trainer, resume: bool, log: Callable[[str], None]) -> None:
    folder = Path(trainer.output_folder)
    for name in ("checkpoint_latest.pth", "checkpoint_final.pth"):
        checkpoint = folder / name
        if checkpoint.is_file():
            if not resume:
                raise FileExistsError(f"{checkpoint} exists: pass resume=True (--resume) to continue it")
            trainer.load_checkpoint(str(checkpoint))
            log(f"resumed from {checkpoint} at epoch {trainer.current_epoch}")
            return
