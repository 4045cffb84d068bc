"""``manage.py train_almss --network primary|origin|baseline --out DIR``: train one ALMSS network into a bundle.

Cases come from the database (``--cohort``/``--val-cohort``, reference masks required) or from
phantom folders (``--phantoms``/``--val-phantoms``, no database needed). Interrupt at any time and
re-run with ``--resume``: training continues from ``DIR/checkpoints/<network>/last.pt``.
"""
from __future__ import annotations

from pathlib import Path

import torch
from django.core.management.base import BaseCommand, CommandError, CommandParser

from inference.almss.bundle import BundleError
from inference.almss.configs import get_config, load_config
from inference.almss.data import NETWORKS, build_dataset
from inference.almss.workflow import train_and_save
from inference.management.commands._almss_sources import database_samples
from reader_study.dicom_import.errors import ImportFailed

SYNTHETIC_LABEL = "synthetic data, not for clinical use"
RESEARCH_LABEL = "research model, not for clinical use"


def cohort_samples(cohort: str, folder: str | None, warn):
    """Samples of one cohort from a phantom folder (if given) or the database."""
    if folder:
        from inference.almss.sources import phantom_folder_samples

        return phantom_folder_samples(folder, cohorts=[cohort])
    return database_samples(cohort, warn)


def resolve_config(options: dict):
    """The --config asked for, else the bundle's own, else demo; a clash with the bundle fails before any work."""
    stored_path = Path(options["out"]) / "config.json"
    stored = load_config(stored_path) if stored_path.exists() else None
    if not options["config"]:
        return stored or get_config("demo")
    config = get_config(options["config"])
    if stored is not None and stored != config:
        raise ValueError(f"{stored_path}: config.json differs from --config {options['config']}; "
                         "omit --config to reuse the bundle's, or use a new --out folder")
    return config


class Command(BaseCommand):
    help = "Train ALMSS network 1 (primary), network 2 (origin) or the baseline CNN; writes an ALMSS bundle."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--network", required=True, choices=NETWORKS)
        parser.add_argument("--out", required=True, help="bundle folder (created; shared by the networks)")
        parser.add_argument("--cohort", default="train", help="training cohort (default train)")
        parser.add_argument("--val-cohort", default="validation", help="validation cohort (default validation)")
        parser.add_argument("--config", help="demo, paper or a .json file (default: the bundle's, else demo)")
        parser.add_argument("--epochs", type=int, help="epochs (default: the config's)")
        parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
        parser.add_argument("--phantoms", help="read training cases from this phantom folder instead of the DB")
        parser.add_argument("--val-phantoms", help="phantom folder of the validation cases (default --phantoms)")
        parser.add_argument("--label", help="LABEL.txt text (default: synthetic for phantoms, else research)")
        parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the AUC CIs")
        parser.add_argument("--device", default="cpu")
        parser.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")

    def handle(self, *args, **options) -> None:
        if options["threads"]:
            torch.set_num_threads(options["threads"])
        try:
            config = resolve_config(options)
        except ValueError as error:
            raise CommandError(str(error)) from error
        warn = self.stderr.write
        val_folder = options["val_phantoms"] or options["phantoms"]
        try:
            train = build_dataset(cohort_samples(options["cohort"], options["phantoms"], warn), config,
                                  progress=True)
            validation = build_dataset(cohort_samples(options["val_cohort"], val_folder, warn), config,
                                       progress=True)
            source = options["phantoms"] or "database"
            label = options["label"] or (SYNTHETIC_LABEL if options["phantoms"] else RESEARCH_LABEL)
            result = train_and_save(
                config, options["network"], train, validation, options["out"], epochs=options["epochs"],
                resume=options["resume"], label=label, n_bootstrap=options["bootstrap"], device=options["device"],
                training_data={"source": source, "cohort": options["cohort"], "val_cohort": options["val_cohort"]},
            )
        except (ValueError, BundleError, FileNotFoundError, ImportFailed) as error:
            raise CommandError(str(error)) from error
        macro = result["metrics"]["macro"]
        self.stdout.write(self.style.SUCCESS(
            f"{options['network']} network written to {options['out']} (checksum {result['checksum'][:12]}); "
            f"validation macro AUC {macro.get('auc')}, cut-offs {result['cutoffs']}"
        ))
