"""``manage.py run_almss --case ID [--model VERSION] [--sync]``: queue or run ALMSS for one case."""
from __future__ import annotations

import contextlib
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from inference import services
from inference.models import InferenceResult, ModelVersion
from reader_study.cases.models import Case


def find_model(spec: str | None) -> ModelVersion:
    """``NAME:VERSION``, a version string, a primary key, or (no spec) the active default model."""
    if not spec:
        model = ModelVersion.objects.filter(active_default=True).first()
        if model is None:
            raise CommandError("no active model: pass --model or register one with register_model --activate")
        return model
    name, _, version = spec.rpartition(":")
    query = ModelVersion.objects.filter(version=version)
    if name:
        query = query.filter(name=name)
    matches = list(query) or (list(ModelVersion.objects.filter(pk=int(spec))) if spec.isdigit() else [])
    if len(matches) != 1:
        raise CommandError(f"--model {spec!r} matches {len(matches)} model versions; use NAME:VERSION")
    return matches[0]


class Command(BaseCommand):
    help = "Queue ALMSS inference for a case, or run it in the foreground with --sync and print the result."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--case", required=True, help="Case id (from the manifest) or primary key.")
        parser.add_argument("--model", help="NAME:VERSION, VERSION or id; default: the active model.")
        parser.add_argument("--sync", action="store_true", help="Run here instead of on a Celery worker.")

    def handle(self, *args, **options) -> None:
        spec = options["case"]
        case = Case.objects.filter(case_id=spec).first() or (
            Case.objects.filter(pk=int(spec)).first() if spec.isdigit() else None)
        if case is None:
            raise CommandError(f"no case {spec!r}")
        model = find_model(options["model"])
        if options["sync"]:
            with contextlib.redirect_stdout(sys.stderr):  # nnU-Net prints; stdout carries only the JSON
                result = services.run_inference(case.pk, model.pk)
        else:
            result = services.request_inference(case, model)
        self.stdout.write(json.dumps(services.summary(result), indent=2))
        if result.status == InferenceResult.Status.FAILED:
            raise CommandError(f"inference failed: {result.message}")
