"""Consensus pages (challenging-case mode): a group answers unaided, then aided with the AI panel."""
from __future__ import annotations

import pytest
from django.urls import reverse

from reader_study.studies import services
from reader_study.studies.models import ConsensusRead, StudyCase

from .conftest import make_ai_result

pytestmark = pytest.mark.django_db

ANSWER = {"diagnosis": "LM", "diagnosis_confidence": "60", "origin": "breast", "origin_confidence": "40",
          "class_confidence_HCC": "10", "class_confidence_ICC": "30", "class_confidence_LM": "60"}


@pytest.fixture
def group(open_study, coordinator, reader, other_reader):
    services.do_enrol_reader(coordinator, open_study, other_reader)
    return [reader, other_reader]


def urls(study, group, case):
    key = StudyCase.objects.get(study=study, case=case).key
    query = "?" + "&".join(f"readers={r.pk}" for r in group)
    return [reverse(f"studies:consensus_{arm}", kwargs={"study_pk": study.pk, "key": key}) + query
            for arm in ("unaided", "aided")]


def test_group_records_unaided_then_aided_consensus(coordinator_client, open_study, group, cases, model_version):
    make_ai_result(cases[1], model_version, {"HCC": 0.1, "ICC": 0.25, "LM": 0.65}, "LM")
    unaided, aided = urls(open_study, group, cases[1])
    query = unaided[unaided.index("?"):]
    listing = coordinator_client.get(reverse("studies:study_consensus", args=[open_study.pk]) + query)
    assert listing.status_code == 200 and b"Record unaided" in listing.content
    early = coordinator_client.get(aided)
    assert early.status_code == 403 and b"unaided answer first" in early.content
    page = coordinator_client.get(unaided)
    assert page.status_code == 200 and b"ai-panel" not in page.content
    assert coordinator_client.post(unaided, ANSWER).status_code == 302
    page = coordinator_client.get(aided)
    assert page.status_code == 200 and b'id="ai-panel"' in page.content and b"65%" in page.content
    assert coordinator_client.post(aided, {**ANSWER, "origin": "intestinal"}).status_code == 302
    rows = ConsensusRead.objects.filter(study=open_study).order_by("arm")
    assert [(r.arm, r.answers["origin"]) for r in rows] == [("aided", "intestinal"), ("unaided", "breast")]
    assert rows[0].ai_result is not None and rows[1].ai_result is None


def test_consensus_needs_a_group_of_two(coordinator_client, open_study, reader, cases):
    unaided, _ = urls(open_study, [reader], cases[0])
    response = coordinator_client.get(unaided, follow=True)
    assert b"two or more readers" in response.content
    assert not ConsensusRead.objects.exists()
