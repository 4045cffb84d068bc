"""``manage.py register_model --bundle DIR --segmentation DIR --name N --version V [--activate]``."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from inference.registry import RegistrationError, register_model


class Command(BaseCommand):
    help = "Register an ALMSS bundle + nnU-Net model folder as a checksummed model version."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bundle", required=True, help="ALMSS bundle directory (contract 6).")
        parser.add_argument("--segmentation", required=True,
                            help="nnU-Net model folder (nnUNetTrainer__nnUNetPlans__<config>).")
        parser.add_argument("--name", required=True)
        parser.add_argument("--version", required=True)
        parser.add_argument("--activate", action="store_true",
                            help="Make it the default model for newly imported cases.")
        parser.add_argument("--no-copy", action="store_true",
                            help="Reference the folders in place instead of copying them under MEDIA_ROOT.")

    def handle(self, *args, **options) -> None:
        try:
            model, created = register_model(
                options["bundle"], options["segmentation"], name=options["name"], version=options["version"],
                activate=options["activate"], copy=not options["no_copy"],
            )
        except RegistrationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps({
            "id": model.pk, "name": model.name, "version": model.version, "created": created,
            "checksum": model.checksum, "label": model.label, "active_default": model.active_default,
            "path": model.path, "segmentation_path": model.segmentation_path,
        }, indent=2))
