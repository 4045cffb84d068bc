"""Benchmark the access and protocol checks (PROTOCOL): milliseconds per call and ratio to one plain query.

The viewer asks ``can_view_case_images`` on every DICOMweb request and ``can_view_ai_output`` on every
overlay request, and every reader page builds the protocol state, so their cost per call matters.
Baseline measured in the same run: ``Case.objects.get(pk=...)`` (one indexed query). The study has
``--cases`` cases and two readers; the measured reader has finished session 1 and opened session 2.

    .venv/bin/python benchmarks/access_checks.py --quick
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import viewer_setup  # noqa: E402  (benchmarks/ is sys.path[0] when run as a script)

ANSWERS = {"diagnosis": "HCC", "diagnosis_confidence": 80, "class_confidence": {"HCC": 80, "ICC": 15, "LM": 5}}


def build_study(n_cases: int):
    from django.contrib.auth import get_user_model

    from reader_study import clock
    from reader_study.cases.models import Case
    from reader_study.studies import services

    users = get_user_model().objects
    coordinator = users.create_user("bench-coord", is_staff=True)
    readers = [users.create_user(f"bench-reader-{i}") for i in range(2)]
    cases = [Case.objects.create(case_id=f"B{i:04d}", age=60, sex="F", cohort="internal_test",
                                 imported_at=clock.now()) for i in range(n_cases)]
    study = services.do_create_study(coordinator, name="bench", cases=cases, is_pilot=True, washout_days=0)
    for reader in readers:
        services.do_enrol_reader(coordinator, study, reader)
    study = services.do_open_study(coordinator, study)
    reader = readers[0]
    services.do_open_session(study, reader, 1)
    for case in cases:
        services.do_submit_read(reader, services.do_start_read(study, reader, case, "unaided"), ANSWERS)
    services.do_open_session(study, reader, 2)
    return study, reader, coordinator, cases


def per_call_ms(function, repeats: int) -> float:
    function()  # warm caches and connections
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - start) / repeats * 1000


def run(n_cases: int, repeats: int) -> dict[str, float]:
    from reader_study.cases.models import Case
    from reader_study.studies import access, services

    study, reader, coordinator, cases = build_study(n_cases)
    case = cases[len(cases) // 2]
    timings = {
        "baseline: Case.objects.get": per_call_ms(lambda: Case.objects.get(pk=case.pk), repeats),
        "can_view_case_images (reader)": per_call_ms(lambda: access.can_view_case_images(reader, case), repeats),
        "can_view_case_images (coordinator)": per_call_ms(
            lambda: access.can_view_case_images(coordinator, case), repeats),
        "can_view_ai_output (reader)": per_call_ms(lambda: access.can_view_ai_output(reader, case), repeats),
        "reader_sessions (status page)": per_call_ms(lambda: services.reader_sessions(study, reader), repeats),
    }
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 cases, 50 repeats")
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    n_cases, repeats = (20, 50) if args.quick else (args.cases, args.repeats)
    with tempfile.TemporaryDirectory() as work:
        viewer_setup.configure_django(Path(work))
        original, created = viewer_setup.create_database()
        try:
            started = dt.datetime.now()
            timings = run(n_cases, repeats)
        finally:
            viewer_setup.destroy_database(original, created)
    baseline = timings["baseline: Case.objects.get"]
    print(f"access checks, {n_cases} cases, {repeats} repeats ({(dt.datetime.now() - started).seconds} s)")
    for name, ms in timings.items():
        print(f"  {name:40s} {ms:8.2f} ms/call  {ms / baseline:6.1f}x baseline")


if __name__ == "__main__":
    main()
