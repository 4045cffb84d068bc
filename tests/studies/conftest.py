"""A cast for the reader-study tests: two studies, their coordinators and readers, phantom-free cases."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from reader_study import clock
from reader_study.cases.models import Case, CaseTruth
from reader_study.studies import services

ANSWERS = {
    "diagnosis": "HCC", "diagnosis_confidence": 80, "origin": None, "origin_confidence": None,
    "class_confidence": {"HCC": 80, "ICC": 15, "LM": 5}, "comment": "",
}
LM_ANSWERS = {
    "diagnosis": "LM", "diagnosis_confidence": 60, "origin": "breast", "origin_confidence": 40,
    "class_confidence": {"HCC": 10, "ICC": 30, "LM": 60}, "comment": "rim enhancement",
}


def make_user(username: str, *, staff: bool = False):
    return get_user_model().objects.create_user(username, password="pw-for-tests-only", is_staff=staff)


def make_cases(prefix: str, n: int) -> list[Case]:
    cases = []
    for i in range(n):
        case = Case.objects.create(case_id=f"{prefix}-HCC-{i}", age=50 + i, sex="M", cohort="internal_test",
                                   imported_at=clock.now())
        CaseTruth.objects.create(case=case, tumour_class=("HCC", "ICC", "LM")[i % 3],
                                 origin="breast" if i % 3 == 2 else "")
        cases.append(case)
    return cases


@dataclass
class Cast:
    coordinator: Any
    other_coordinator: Any
    reader: Any
    second_reader: Any
    other_reader: Any
    study: Any
    other_study: Any
    cases: list
    other_cases: list


def build_cast(design: str = "unaided_then_aided", n_cases: int = 2, **config: Any) -> Cast:
    coordinator = make_user("coord", staff=True)
    other_coordinator = make_user("coord2", staff=True)
    reader, second_reader, other_reader = make_user("reader"), make_user("reader2"), make_user("outsider")
    cases, other_cases = make_cases("S1", n_cases), make_cases("S2", 1)
    study = services.do_create_study(coordinator, name="Study one", design=design, cases=cases, **config)
    services.do_enrol_reader(coordinator, study, reader)
    services.do_enrol_reader(coordinator, study, second_reader)
    services.do_open_study(coordinator, study)
    other_study = services.do_create_study(other_coordinator, name="Study two", cases=other_cases)
    services.do_enrol_reader(other_coordinator, other_study, other_reader)
    services.do_open_study(other_coordinator, other_study)
    for user, level in ((reader, "junior"), (second_reader, "senior"), (other_reader, "senior")):
        services.do_set_reader_profile(coordinator, user, experience=level, years_of_experience=3)
    study.refresh_from_db()
    return Cast(coordinator, other_coordinator, reader, second_reader, other_reader, study, other_study,
                cases, other_cases)


@pytest.fixture
def cast(db) -> Cast:
    return build_cast()


def read_all(study, reader, cases, arm: str, number: int, answers=ANSWERS) -> list:
    services.do_open_session(study, reader, number)
    return [services.do_submit_read(reader, services.do_start_read(study, reader, c, arm), answers) for c in cases]


def make_result(case, *, with_model=None):
    """A finished InferenceResult (contract 5) for ``case``."""
    from inference.models import InferenceResult, ModelVersion

    version = with_model or ModelVersion.objects.create(
        name="almss-demo", version="1", path="/nonexistent", checksum="0" * 64, label="synthetic data",
        created_at=clock.now(),
    )
    return InferenceResult.objects.create(
        case=case, model_version=version, status="done", primary_probabilities={"HCC": 0.7, "ICC": 0.2, "LM": 0.1},
        final_class="HCC", created_at=clock.now(),
    )
