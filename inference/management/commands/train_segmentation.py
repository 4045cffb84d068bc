"""``manage.py train_segmentation --raw DIR --out DIR [--config 3d_tiny] [--epochs N] [--iterations N] [--resume]``.

Wraps nnU-Net planning (reduced fingerprint), preprocessing and training with the stock trainer;
Ctrl-C and ``--resume`` continue from the checkpoint written after every epoch.
"""
from __future__ import annotations

import contextlib
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from inference.segmentation import train
from inference.segmentation.training import FULLRES, TINY


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # long file/ML work; independent of URL or admin checks
    help = "Plan, preprocess and train the nnU-Net liver/tumour segmentation model."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--raw", required=True, help="nnUNet_raw root or dataset folder (export_nnunet_dataset).")
        parser.add_argument("--out", required=True, help="Work folder: preprocessed/ and results/ are written here.")
        parser.add_argument("--config", default=TINY, choices=[TINY, FULLRES])
        parser.add_argument("--epochs", type=int, default=10)
        parser.add_argument("--iterations", type=int, default=25, help="Training iterations per epoch.")
        parser.add_argument("--val-iterations", type=int, default=2)
        parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
        parser.add_argument("--resume", action="store_true")

    def handle(self, *args, **options) -> None:
        try:
            with contextlib.redirect_stdout(sys.stderr):  # nnU-Net prints progress; stdout carries only the JSON
                result = train(options["raw"], options["out"], config=options["config"], epochs=options["epochs"],
                               iterations_per_epoch=options["iterations"], val_iterations=options["val_iterations"],
                               device=options["device"], resume=options["resume"], log=self.stderr.write)
        except (ValueError, FileExistsError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps({"model_dir": str(result.model_dir), "configuration": result.configuration,
                                      "fold": result.fold, "epochs": result.epochs_done,
                                      "seconds": result.seconds}, indent=2))
