"""Viewer fixtures: synthetic 4-phase studies on disk with their rows, users of each role, AI overlay files."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from pydicom.uid import JPEG2000Lossless, JPEGLSLossless

from reader_study.studies import services as study_services
from reader_study.viewer import synthetic
from reader_study.vocabulary import PHASES, Phase

SIZE = 64
SLICES = 12


@pytest.fixture
def coordinator(db):
    return get_user_model().objects.create_user("coord", password="pw-coord-123", is_staff=True)


@pytest.fixture
def outsider(db):
    return get_user_model().objects.create_user("outsider", password="pw-out-123")


@pytest.fixture
def reader(db):
    return get_user_model().objects.create_user("reader", password="pw-reader-123")


ANSWERS = {
    "diagnosis": "HCC", "diagnosis_confidence": 80, "origin": None, "origin_confidence": None,
    "class_confidence": {"HCC": 80, "ICC": 15, "LM": 5}, "comment": "",
}


def _make_case(media_root, case_id: str, compressed=(), seed: int = 3, syntax: str = JPEGLSLossless):
    folder = media_root / "studies" / case_id
    series = synthetic.write_study(folder, size=SIZE, slices=SLICES, compressed=compressed, seed=seed, syntax=syntax)
    case = synthetic.register_study(case_id, folder, media_root, series)
    return case, series


def _reader_study(coordinator, reader, cases):
    """An open sequential-design study (unaided then aided read of each case in one session), PROTOCOL's rules."""
    study = study_services.do_create_study(coordinator, name="Viewer study", design="sequential", cases=cases)
    study_services.do_enrol_reader(coordinator, study, reader)
    study_services.do_open_study(coordinator, study)
    return study


@pytest.fixture
def study(db, media_root, coordinator, reader):
    """A case whose portal-venous phase is JPEG-LS compressed, the others uncompressed, in an open reader study."""
    case, series = _make_case(media_root, "VIEW-1", compressed=[Phase.PORTAL_VENOUS])
    _reader_study(coordinator, reader, [case])
    return case, series


@pytest.fixture
def twin_studies(db, media_root, coordinator, reader):
    """Three cases with identical pixels: uncompressed, JPEG-LS lossless (all phases), JPEG 2000 lossless (two)."""
    plain = _make_case(media_root, "TWIN-PLAIN")
    jpegls = _make_case(media_root, "TWIN-JLS", compressed=PHASES)
    j2k = _make_case(media_root, "TWIN-J2K", compressed=[Phase.ARTERIAL, Phase.DELAYED], syntax=JPEG2000Lossless)
    _reader_study(coordinator, reader, [plain[0], jpegls[0], j2k[0]])
    return plain, jpegls, j2k


@pytest.fixture
def unaided_read(study, reader):
    """The reader's unaided read of the case, started (images allowed, AI output not yet)."""
    reader_study = study[0].reader_studies.get()
    study_services.do_open_session(reader_study, reader, 1)
    return study_services.do_start_read(reader_study, reader, study[0], "unaided")


@pytest.fixture
def aided_read(unaided_read, reader):
    """The unaided read locked and the aided read started: the protocol now allows AI output."""
    study_services.do_submit_read(reader, unaided_read, ANSWERS)
    return study_services.do_start_read(unaided_read.study, reader, unaided_read.case, "aided")


@pytest.fixture
def ai_result(study, media_root):
    """A finished inference result of ``study`` with contract-5 overlay files."""
    from inference.models import InferenceResult, ModelVersion

    case, series = study
    now = dt.datetime.now(dt.UTC)
    model = ModelVersion.objects.create(name="almss-test", version="1", path="x", checksum="0" * 64, created_at=now)
    result = InferenceResult.objects.create(case=case, model_version=model, status="done", created_at=now,
                                            primary_probabilities={"HCC": 0.7, "ICC": 0.2, "LM": 0.1})
    result.storage_dir = f"inference/results/{result.pk}"
    result.save(update_fields=["storage_dir"])
    synthetic.write_overlays(media_root / result.storage_dir / "overlays", series)
    return result
