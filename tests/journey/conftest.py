"""Fixtures of the whole-journey test: a tiny trained model, accounts, phantom cases zipped for upload."""
from __future__ import annotations

import os
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

os.environ.setdefault("INFERENCE_TORCH_THREADS", "1")  # read by worker processes started after this

PASSWORD = "journey-passphrase-2026"


@pytest.fixture(scope="session")
def journey_model_files() -> dict:
    """The QUICK demo model (real nnU-Net and ALMSS files, trained for seconds), cached by settings hash."""
    import torch
    from django.conf import settings

    from inference.demo import QUICK, build_demo_model

    torch.set_num_threads(1)
    cache = Path(settings.MEDIA_ROOT).parent / "inference-model-cache"
    return build_demo_model(cache, QUICK, log=lambda message: None)


@pytest.fixture
def journey_world(transactional_db, worker_media, journey_model_files, tmp_path):
    """Accounts, the registered active model and a zip + manifest of three phantom cases."""
    from django.contrib.auth import get_user_model

    from inference.registry import register_model
    from reader_study.phantom.dataset import generate_dataset
    from reader_study.studies.services.studies import do_set_reader_profile

    users = get_user_model().objects
    coordinator = users.create_user("coordinator", "coordinator@example.org", PASSWORD, is_staff=True)
    readers = {}
    for name, experience, years in (("junior", "junior", 5), ("senior", "senior", 12)):
        readers[name] = users.create_user(name, f"{name}@example.org", PASSWORD)
        do_set_reader_profile(coordinator, readers[name], experience=experience, years_of_experience=years)
    model, _ = register_model(journey_model_files["bundle"], journey_model_files["segmentation"],
                              name="almss-journey", version="quick", activate=True)

    phantoms = tmp_path / "phantoms"
    generate_dataset(phantoms, 3, seed=77, size=64, slices=12, compressed_fraction=0.25, cohort="internal_test",
                     classes=("HCC", "ICC", "intestinal"))
    archive = tmp_path / "cases.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(phantoms.rglob("*")):
            if path.is_file() and path.name != "manifest.csv":
                zf.write(path, path.relative_to(phantoms).as_posix())
    return SimpleNamespace(coordinator=coordinator, readers=readers, model=model, archive=archive,
                           manifest=phantoms / "manifest.csv", media=worker_media)
