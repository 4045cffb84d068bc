"""A complete two-reader study read through PROTOCOL's services (unaided, washout, aided with AI shown)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from django.contrib.auth import get_user_model

from reader_study import clock
from reader_study.cases.models import Case, CaseTruth
from reader_study.studies import services

LABELS = ("HCC", "ICC", "LM")
ORIGINS = ("intestinal", "breast", "respiratory")
N_CASES = 12


@dataclass
class StudyCast:
    study: Any
    coordinator: Any
    other_coordinator: Any
    readers: list
    cases: list
    truth: dict  # case pk -> (class, origin)
    ai: dict  # case pk -> (probabilities, final class)


def make_user(username: str, *, staff: bool = False):
    return get_user_model().objects.create_user(username, password="pw-for-tests-only", is_staff=staff)


def _answers(rng: np.random.Generator, truth_class: str, truth_origin: str, skill: float) -> dict:
    diagnosis = truth_class if rng.random() < skill else LABELS[int(rng.integers(0, 3))]
    confidence = {label: int(rng.integers(55, 100)) if label == diagnosis else int(rng.integers(0, 60))
                  for label in LABELS}
    guess = ORIGINS[int(rng.integers(0, 3))]
    origin = (truth_origin if truth_origin and rng.random() < 0.7 else guess) if diagnosis == "LM" else None
    return {"diagnosis": diagnosis, "diagnosis_confidence": confidence[diagnosis], "origin": origin,
            "origin_confidence": 50 if origin else None, "class_confidence": confidence, "comment": ""}


def _make_cases_and_ai(model_version, rng) -> tuple[list, dict, dict]:
    from inference.models import InferenceResult

    cases, truth, ai = [], {}, {}
    for i in range(N_CASES):
        klass = LABELS[i % 3]
        origin = ORIGINS[(i // 3) % 3] if klass == "LM" else ""
        case = Case.objects.create(case_id=f"RS-{i:03d}", age=50 + i, sex="F", cohort="internal_test",
                                   imported_at=clock.now())
        CaseTruth.objects.create(case=case, tumour_class=klass, origin=origin)
        logits = rng.normal(size=3) + 1.5 * (np.array(LABELS) == klass)
        probs = {k: float(v) for k, v in zip(LABELS, np.exp(logits) / np.exp(logits).sum())}
        final = max(probs, key=probs.get)
        InferenceResult.objects.create(case=case, model_version=model_version, status="done",
                                       primary_probabilities=probs, final_class=final, created_at=clock.now())
        cases.append(case)
        truth[case.pk], ai[case.pk] = (klass, origin or None), (probs, final)
    return cases, truth, ai


def _read_arm(study, reader, cases, truth, arm: str, number: int, rng, skill: float) -> None:
    services.do_open_session(study, reader, number)
    for case in cases:
        read = services.do_start_read(study, reader, case, arm)
        if arm == "aided":
            services.do_show_ai_for_read(reader, read)
        services.do_submit_read(reader, read, _answers(rng, *truth[case.pk], skill))


@pytest.fixture
def read_study(db, move_clock) -> StudyCast:
    from inference.models import ModelVersion

    rng = np.random.default_rng(11)
    model = ModelVersion.objects.create(name="almss-demo", version="1", path="/nonexistent", checksum="0" * 64,
                                        cutoffs={"primary": {"HCC": 0.4, "ICC": 0.35, "LM": 0.45}},
                                        label="synthetic data, not for clinical use", created_at=clock.now())
    cases, truth, ai = _make_cases_and_ai(model, rng)
    coordinator, other = make_user("coord", staff=True), make_user("coord-other", staff=True)
    readers = [make_user("junior1"), make_user("senior1")]
    study = services.do_create_study(coordinator, name="Stats study", cases=cases, model_version=model)
    for reader, level in zip(readers, ("junior", "senior")):
        services.do_set_reader_profile(coordinator, reader, experience=level, years_of_experience=3)
        services.do_enrol_reader(coordinator, study, reader)
    study = services.do_open_study(coordinator, study)
    for reader in readers:
        _read_arm(study, reader, cases, truth, "unaided", 1, rng, 0.6)
    move_clock(days=31)
    for reader in readers:
        _read_arm(study, reader, cases, truth, "aided", 2, rng, 0.85)
    return StudyCast(study, coordinator, other, readers, cases, truth, ai)
