"""Fixtures of the inference tests: a tiny phantom-trained model (cached by settings hash) and imported phantoms."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# Read by the session Celery worker (it copies this environment when it starts) and by this process.
os.environ.setdefault("INFERENCE_TORCH_THREADS", "1")
os.environ.setdefault("INFERENCE_DEVICE", "cpu")


def _test_tmp() -> Path:
    from django.conf import settings

    return Path(settings.MEDIA_ROOT).parent


@pytest.fixture(scope="session")
def tiny_model_dirs() -> dict:
    """The QUICK demo model (1 nnU-Net epoch of 2 iterations, 1 ALMSS epoch): useless but real files.

    Cached under the test temp folder by the settings hash, so only the first run pays (~1 min).
    """
    import torch

    from inference.demo import QUICK, build_demo_model

    torch.set_num_threads(1)
    return build_demo_model(_test_tmp() / "inference-model-cache", QUICK, log=lambda message: None)


@pytest.fixture
def phantom_folder(tmp_path):
    """Two 32 x 32 x 12 phantom cases on disk (DICOM + masks + manifest)."""
    from reader_study.phantom.dataset import generate_dataset

    out = tmp_path / "phantoms"
    generate_dataset(out, 2, seed=11, size=32, slices=12)
    return out
