"""``manage.py evaluate_almss --cohort X --bundle DIR``: the paper's metrics of a bundle on a cohort.

Prints per class and macro AUC (95% bootstrap CI), accuracy, F1, sensitivity, specificity and
Brier score for every network in the bundle, the hierarchical eight-class accuracy, and writes
``metrics_<cohort>.json`` and ROC plots to ``--out`` (default ``DIR/evaluation``).
"""
from __future__ import annotations

from pathlib import Path

import torch
from django.core.management.base import BaseCommand, CommandError, CommandParser

from inference.almss.bundle import ALMSSBundle, BundleError
from inference.almss.data import build_dataset
from inference.almss.workflow import evaluate_bundle
from inference.management.commands.train_almss import cohort_samples
from reader_study.dicom_import.errors import ImportFailed

COLUMNS = ("auc", "accuracy", "f1", "sensitivity", "specificity", "brier")


def _fmt(value) -> str:
    return "   n/a" if value is None else f"{value:6.3f}"


class Command(BaseCommand):
    help = "Evaluate an ALMSS bundle on a cohort (database or phantom folder): metrics JSON and ROC plots."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bundle", required=True, help="ALMSS bundle folder")
        parser.add_argument("--cohort", required=True, help="cohort to evaluate, e.g. internal_test")
        parser.add_argument("--phantoms", help="read the cases from this phantom folder instead of the DB")
        parser.add_argument("--out", help="output folder (default BUNDLE/evaluation)")
        parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the AUC CIs")
        parser.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")

    def handle(self, *args, **options) -> None:
        if options["threads"]:
            torch.set_num_threads(options["threads"])
        out = Path(options["out"] or Path(options["bundle"]) / "evaluation")
        try:
            config = ALMSSBundle.load(options["bundle"], partial=True).config
            samples = cohort_samples(options["cohort"], options["phantoms"], self.stderr.write)
            data = build_dataset(samples, config, progress=True)
            report = evaluate_bundle(options["bundle"], data, out, options["cohort"], options["bootstrap"])
        except (ValueError, BundleError, FileNotFoundError, ImportFailed) as error:
            raise CommandError(str(error)) from error
        self.print_report(report)
        self.stdout.write(self.style.SUCCESS(f"metrics and ROC plots written to {out}"))

    def print_report(self, report: dict) -> None:
        self.stdout.write(f"{report['label']} | cohort {report['cohort']} | bundle {report['checksum'][:12]}")
        for network in ("primary", "origin", "baseline"):
            metrics = report.get(network)
            if metrics is None:
                continue
            if "skipped" in metrics:
                self.stdout.write(f"{network}: skipped ({metrics['skipped']})")
                continue
            accuracy = metrics["overall_accuracy"]
            self.stdout.write(f"\n{network} network, n={metrics['n_cases']}, accuracy {accuracy:.3f}")
            self.stdout.write(f"{'class':>18} " + " ".join(f"{c:>6}" for c in COLUMNS) + "  AUC 95% CI")
            rows = list(metrics["per_class"].items()) + [("macro", metrics["macro"])]
            for name, row in rows:
                ci = row.get("auc_ci95") or [None, None]
                self.stdout.write(f"{name:>18} " + " ".join(_fmt(row.get(c)) for c in COLUMNS)
                                  + f"  [{_fmt(ci[0]).strip()}, {_fmt(ci[1]).strip()}]")
        if "hierarchical_eight_class_accuracy" in report:
            self.stdout.write(f"\nhierarchical eight-class accuracy: {report['hierarchical_eight_class_accuracy']:.3f}")
