"""``manage.py import_cases PATH --manifest manifest.csv``: import DICOM cases (see docs/import.md)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reader_study.cases.services import import_cases
from reader_study.dicom_import.errors import ImportFailed
from reader_study.vocabulary import Phase


class Command(BaseCommand):
    help = "Import 4-phase CT cases from a folder or .zip with a manifest CSV (atomic and idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="Folder or .zip holding the DICOM files (one folder per case_id).")
        parser.add_argument("--manifest", required=True, help="CSV with case_id, age, sex, tumour_class, ...")
        parser.add_argument("--deidentify", action="store_true",
                            help="Replace identifying data with pseudonyms and regenerate UIDs.")
        parser.add_argument("--masks", help="Folder with <case_id>/<phase>.nii.gz reference masks.")
        parser.add_argument("--phase-override", action="append", default=[], metavar="CASE:PHASE=SERIES",
                            help="Choose a series (SeriesInstanceUID or SeriesNumber) for a phase; repeatable.")

    def handle(self, *args, **options) -> None:
        try:
            overrides = parse_overrides(options["phase_override"])
            report = import_cases(options["path"], options["manifest"], deidentify=options["deidentify"],
                                  masks_dir=options["masks"], phase_overrides=overrides)
        except ImportFailed as exc:
            raise CommandError(f"Import failed, nothing was changed. {exc}") from exc
        self.stdout.write(report.summary())


def parse_overrides(values: list[str]) -> dict[str, dict[Phase, str]]:
    """Parse ``CASE:PHASE=SERIES`` arguments."""
    overrides: dict[str, dict[Phase, str]] = {}
    for value in values:
        try:
            case_id, rest = value.split(":", 1)
            phase, series = rest.split("=", 1)
            overrides.setdefault(case_id, {})[Phase(phase)] = series
        except ValueError:
            phases = ", ".join(p.value for p in Phase)
            raise ImportFailed("--phase-override", f"{value!r} is not CASE:PHASE=SERIES (phases: {phases})") from None
    return overrides
