"""``make_phantoms``: write synthetic 4-phase liver CT studies, masks and a manifest (see reader_study.phantom)."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reader_study.phantom import generate_dataset
from reader_study.vocabulary import COHORTS, EIGHT_CLASSES


class Command(BaseCommand):
    help = (
        "Write N synthetic 4-phase liver CT cases (DICOM, NIfTI masks, manifest.csv) for the eight ALMSS classes. "
        "SYNTHETIC - NOT FOR CLINICAL USE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="output folder (must not already hold a manifest.csv)")
        parser.add_argument("--cases", type=int, required=True, help="number of cases")
        parser.add_argument("--seed", type=int, default=0, help="random seed; same seed, same bytes")
        parser.add_argument("--size", type=int, default=512, help="rows = columns per slice (default 512)")
        parser.add_argument("--slices", type=int, default=64, help="slices per series (default 64)")
        parser.add_argument("--compressed-fraction", type=float, default=0.0,
                            help="fraction of series stored JPEG-LS lossless (default 0)")
        parser.add_argument("--cohort", default="train", choices=[c.value for c in COHORTS],
                            help="Table 2 cohort whose class mix and demographics to follow (default train)")
        parser.add_argument("--classes", default=",".join(EIGHT_CLASSES),
                            help=f"comma-separated subset of {','.join(EIGHT_CLASSES)}")

    def handle(self, *args, **options) -> None:
        classes = tuple(name.strip() for name in options["classes"].split(",") if name.strip())
        started = time.perf_counter()

        def progress(done: int, total: int, case_id: str) -> None:
            if options["verbosity"] >= 2 or done == total:
                self.stdout.write(f"{done}/{total} {case_id}")

        try:
            rows = generate_dataset(
                options["out"], options["cases"], options["seed"], size=options["size"], slices=options["slices"],
                compressed_fraction=options["compressed_fraction"], cohort=options["cohort"], classes=classes,
                progress=progress,
            )
        except (ValueError, FileExistsError) as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"Wrote {len(rows)} synthetic cases to {options['out']} in {elapsed:.1f} s "
            f"({elapsed / len(rows):.2f} s per case); manifest: {options['out']}/manifest.csv"
        ))
