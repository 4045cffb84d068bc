"""Import throughput: slices per second importing a 4-phase phantom study, against a plain file copy.

Usage::

    .venv/bin/python benchmarks/import_throughput.py            # 4 x 64 x 512^2 (the issue's figure)
    .venv/bin/python benchmarks/import_throughput.py --quick    # 4 x 16 x 128^2, a few seconds
    .venv/bin/python benchmarks/import_throughput.py --data DIR # an existing phantom folder (manifest.csv inside)

The baseline is the time to copy the same DICOM bytes into the same media folder (same disk) in the same run;
the ratio import/copy is the figure to watch. The database is a throwaway: with ``DATABASE_URL`` set, a
``bench_import_<pid>`` database is created next to it (Django test-runner style) and dropped afterwards;
otherwise SQLite in the temporary folder.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_django import configure_django, create_database, destroy_database  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 x 16 x 128^2 instead of 4 x 64 x 512^2")
    parser.add_argument("--size", type=int, help="image size (pixels)")
    parser.add_argument("--slices", type=int, help="slices per phase")
    parser.add_argument("--data", type=Path, help="import this phantom folder instead of generating one")
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args()


def dicom_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.dcm") if p.is_file())


def copy_baseline(files: list[Path], target: Path) -> float:
    """Seconds to copy the same files onto the same disk (one file at a time, like the importer)."""
    target.mkdir(parents=True)
    start = time.perf_counter()
    for n, path in enumerate(files):
        shutil.copyfile(path, target / f"{n:05d}.dcm")
    os.sync()
    elapsed = time.perf_counter() - start
    shutil.rmtree(target)
    return elapsed


def main() -> None:
    args = parse_args()
    size = args.size or (128 if args.quick else 512)
    slices = args.slices or (16 if args.quick else 64)
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        work = Path(tmp)
        configure_django(work)
        data = args.data
        if data is None:
            from reader_study.phantom import generate_dataset

            data = work / "phantom"
            start = time.perf_counter()
            generate_dataset(data, n_cases=1, seed=args.seed, size=size, slices=slices)
            print(f"generated 4 x {slices} x {size}^2 phantom in {time.perf_counter() - start:.1f} s")
        files = dicom_files(data)
        megabytes = sum(p.stat().st_size for p in files) / 1e6
        original, destroy = create_database("bench_import")
        try:
            from django.conf import settings

            from reader_study.cases.services import import_cases

            copy_seconds = copy_baseline(files, Path(settings.MEDIA_ROOT) / "copy-baseline")
            start = time.perf_counter()
            report = import_cases(data, data / "manifest.csv")
            os.sync()
            import_seconds = time.perf_counter() - start
        finally:
            destroy_database(original, destroy)
    n = report.instances
    print(f"slices: {n} ({megabytes:.1f} MB) in {len(report.imported_cases)} case(s)")
    print(f"import: {import_seconds:.2f} s = {n / import_seconds:.1f} slices/s ({megabytes / import_seconds:.1f} MB/s)")
    print(f"copy:   {copy_seconds:.2f} s = {n / copy_seconds:.1f} slices/s ({megabytes / copy_seconds:.1f} MB/s)")
    print(f"ratio import/copy: {import_seconds / copy_seconds:.1f}x")


if __name__ == "__main__":
    main()
