"""Build the demo world on embedded defaults: model, phantom cases, accounts, a pilot study.

Every step is idempotent (the demo command is safe to run twice): the model build
is cached by a settings hash, phantoms are generated once, the import skips what
is already there, accounts and the study are found by name. Each step calls the
same services the pages and commands use; nothing here bypasses a rule.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from reader_study.cases.models import Case

Log = Callable[[str], None]

STUDY_NAME = "ALMSS pilot: does AI help read 4-phase liver CT? (demo)"
COORDINATOR = ("coordinator", "Demo-coordinator-2026", "Study coordinator")
READERS = (
    ("junior", "Demo-junior-reader-2026", "junior", 5),
    ("senior", "Demo-senior-reader-2026", "senior", 12),
)


@dataclass(frozen=True)
class DemoWorld:
    study_pk: int
    model_label: str
    n_cases: int


def ensure_model(var_dir: Path, log: Log):
    """Train (or load the cached) demo ALMSS model and register it as the active model."""
    from inference.demo import DemoSettings, build_demo_model
    from inference.registry import register_model

    record = build_demo_model(var_dir / "models", DemoSettings(), log=log)
    model, created = register_model(record["bundle"], record["segmentation"], name="almss-demo",
                                    version=record["key"], activate=True)
    log(("registered" if created else "using") + f" model {model.name} {model.version}: {model.label}")
    return model


def ensure_cases(var_dir: Path, log: Log, *, n_cases: int, size: int, slices: int) -> list[Case]:
    """Generate the reading cases once (all eight classes) and import them (a no-op the second time)."""
    from reader_study.cases.services import import_cases
    from reader_study.phantom import generate_dataset

    folder = var_dir / "demo-cases"
    manifest = folder / "manifest.csv"
    if not manifest.exists():
        log(f"generating {n_cases} synthetic 4-phase CT cases ({size}x{size}x{slices}) in {folder}")
        generate_dataset(folder, n_cases, seed=2026, size=size, slices=slices, compressed_fraction=0.25,
                         cohort="internal_test", progress=lambda i, n, case_id: log(f"  phantom {i}/{n} {case_id}"))
    report = import_cases(folder, manifest)
    log("import: " + report.summary().splitlines()[0] + (" (already imported)" if report.is_noop else ""))
    case_ids = report.imported_cases + report.unchanged_cases
    return list(Case.objects.filter(case_id__in=case_ids).order_by("case_id"))


def _user(username: str, password: str, *, staff: bool, first_name: str = ""):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults={"first_name": first_name})
    if created or not user.check_password(password):
        user.set_password(password)
    user.is_staff = staff
    user.save()
    return user


def ensure_accounts(log: Log):
    """The coordinator and two readers (junior and senior) with the printed demo passwords."""
    from reader_study.studies.services.studies import do_set_reader_profile

    coordinator = _user(COORDINATOR[0], COORDINATOR[1], staff=True, first_name=COORDINATOR[2])
    readers = []
    for username, password, experience, years in READERS:
        reader = _user(username, password, staff=False, first_name=f"{experience.title()} radiologist")
        do_set_reader_profile(coordinator, reader, experience=experience, years_of_experience=years)
        readers.append(reader)
    return coordinator, readers


@transaction.atomic
def ensure_study(coordinator, readers, cases: list[Case], model, log: Log):
    """The paper's design (unaided, then aided after a washout) as a pilot with the washout shortened."""
    from reader_study.studies.models import ReaderStudy
    from reader_study.studies.services.studies import do_create_study, do_enrol_reader, do_open_study

    study = ReaderStudy.objects.filter(name=STUDY_NAME).first()
    if study is None:
        study = do_create_study(
            coordinator, name=STUDY_NAME, cases=cases, design="unaided_then_aided", washout_days=0, is_pilot=True,
            model_version=model,
            description=("Pilot setting: the washout is shortened to 0 days so the whole protocol can be tried in "
                         "minutes. A real study keeps the default 30 days. Synthetic data, not for clinical use."),
        )
        for reader in readers:
            do_enrol_reader(coordinator, study, reader)
        do_open_study(coordinator, study)
        log(f"created and opened the study {study.name!r} with {len(cases)} cases")
    else:
        log(f"using the existing study {study.name!r}")
    return study


def build(var_dir: Path, log: Log, *, n_cases: int = 12, size: int = 256, slices: int = 48) -> DemoWorld:
    """Run every step; returns what the command prints."""
    from inference.services import request_inference_for_study

    model = ensure_model(var_dir, log)
    cases = ensure_cases(var_dir, log, n_cases=n_cases, size=size, slices=slices)
    coordinator, readers = ensure_accounts(log)
    study = ensure_study(coordinator, readers, cases, model, log)
    results = request_inference_for_study(study, actor=coordinator)
    log(f"ALMSS inference queued or done for {len(results)} cases (the worker runs them in the background)")
    return DemoWorld(study_pk=study.pk, model_label=model.label, n_cases=len(cases))
