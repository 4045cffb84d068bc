"""Users, cases and an open study for the page tests (built through PROTOCOL's services)."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from reader_study import clock
from reader_study.cases.models import Case, CaseTruth
from reader_study.studies import services

PASSWORD = "a-long-test-passphrase-42"


def make_user(username: str, *, staff: bool = False):
    return get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD, is_staff=staff)


def make_case(case_id: str, tumour_class: str, origin: str = "", cohort: str = "internal_test") -> Case:
    case = Case.objects.create(case_id=case_id, age=61, sex="F", cohort=cohort, imported_at=clock.now())
    CaseTruth.objects.create(case=case, tumour_class=tumour_class, origin=origin)
    return case


def make_ai_result(case: Case, model, probabilities: dict, final_class: str):
    from inference.models import InferenceResult

    return InferenceResult.objects.create(
        case=case, model_version=model, status=InferenceResult.Status.DONE, primary_probabilities=probabilities,
        origin_probabilities=None, final_class=final_class, created_at=clock.now(),
    )


@pytest.fixture
def coordinator(db):
    return make_user("coord", staff=True)


@pytest.fixture
def reader(db):
    return make_user("reader1")


@pytest.fixture
def other_reader(db):
    return make_user("reader2")


@pytest.fixture
def cases(db):
    return [make_case("PH-HCC-001", "HCC"), make_case("PH-LM-002", "LM", "breast")]


@pytest.fixture
def model_version(db):
    from inference.models import ModelVersion

    return ModelVersion.objects.create(name="almss-demo", version="1", path="/nonexistent", checksum="0" * 64,
                                       label="synthetic data, not for clinical use", created_at=clock.now())


@pytest.fixture
def open_study(coordinator, reader, cases, model_version):
    """An open unaided-then-aided study (30-day washout) with two cases and ``reader`` enrolled."""
    study = services.do_create_study(coordinator, name="Liver pilot", cases=cases, model_version=model_version)
    services.do_set_reader_profile(coordinator, reader, experience="junior", years_of_experience=2)
    services.do_enrol_reader(coordinator, study, reader)
    return services.do_open_study(coordinator, study)


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def reader_client(client, reader):
    client.force_login(reader)
    return client
