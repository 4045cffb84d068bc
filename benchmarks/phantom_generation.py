"""Phantom generation speed: seconds per case in memory and on disk, beside the time to write the same bytes raw.

Usage: ``python benchmarks/phantom_generation.py [--quick]``. The ratio (generation / raw write of the same number
of bytes on the same disk) is the figure to watch; absolute times depend on the machine.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reader_study.phantom import generate_case, generate_dataset  # noqa: E402
from reader_study.vocabulary import PHASES  # noqa: E402


def _timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def _raw_write_seconds(n_bytes: int, folder: Path) -> float:
    data = np.zeros(n_bytes, dtype=np.uint8)
    path = folder / "raw.bin"
    seconds = _timed(lambda: data.tofile(path))
    path.unlink()
    return seconds


def measure(size: int, slices: int, cases: int, compressed: float) -> None:
    in_memory = [_timed(lambda i=i: generate_case(f"B{i}", "HCC", seed=i, size=size, slices=slices))
                 for i in range(cases)]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set"
        on_disk = _timed(lambda: generate_dataset(out, cases, seed=1, size=size, slices=slices,
                                                  compressed_fraction=compressed))
        n_bytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        raw = _raw_write_seconds(n_bytes, Path(tmp))
    voxels = size * size * slices * len(PHASES)
    print(f"{size}x{size}x{slices} x4 phases ({voxels / 1e6:.1f} Mvoxel), {cases} case(s), "
          f"JPEG-LS fraction {compressed}:")
    print(f"  in memory   {np.median(in_memory):8.3f} s/case (median)")
    print(f"  on disk     {on_disk / cases:8.3f} s/case ({n_bytes / cases / 1e6:.1f} MB/case)")
    print(f"  raw write   {raw / cases:8.3f} s/case for the same bytes; ratio {on_disk / max(raw, 1e-9):.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small volumes only (CI)")
    args = parser.parse_args()
    measure(64, 16, cases=3, compressed=0.0)
    if args.quick:
        measure(128, 24, cases=1, compressed=0.5)
    else:
        measure(512, 64, cases=2, compressed=0.0)
        measure(512, 64, cases=1, compressed=1.0)


if __name__ == "__main__":
    main()
