"""``manage.py build_demo_model --out DIR``: the phantom-trained demo model (cached by a settings hash).

Then: ``manage.py register_model --bundle <bundle> --segmentation <segmentation> --name almss-demo
--version <key> --activate`` (the JSON printed here holds both paths).
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import sys

from django.core.management.base import BaseCommand

from inference.demo import QUICK, DemoSettings, build_demo_model


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # long file/ML work; independent of URL or admin checks
    help = "Train the demo model (tiny nnU-Net + ALMSS demo config) on phantoms; labelled synthetic, not clinical."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", required=True, help="Cache folder; the model goes to OUT/demo-<settings hash>.")
        parser.add_argument("--quick", action="store_true", help="Smoke-test size (seconds, useless model).")
        parser.add_argument("--force", action="store_true", help="Rebuild even if the cached model exists.")
        parser.add_argument("--threads", type=int, default=1,
                            help="torch threads; 1 (default) measured 2.5x less CPU than 2 on a shared 2-core machine; "
                                 "0 = torch's choice")
        parser.add_argument("--device", default="cpu")

    def handle(self, *args, **options) -> None:
        if options["threads"]:
            import torch  # imported here so that a cached build answers without loading torch

            torch.set_num_threads(options["threads"])
        settings = QUICK if options["quick"] else DemoSettings()
        settings = dataclasses.replace(settings, device=options["device"])
        with contextlib.redirect_stdout(sys.stderr):  # nnU-Net prints progress; stdout carries only the JSON
            record = build_demo_model(options["out"], settings, force=options["force"], log=self.stderr.write)
        self.stdout.write(json.dumps(record, indent=2))
