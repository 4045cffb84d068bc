"""REST API: the OpenAPI schema generates cleanly, and the paper's protocol runs through the API alone."""
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from reader_study.studies.models import Read

from .conftest import ANSWERS, LM_ANSWERS, make_result

pytestmark = pytest.mark.django_db


def test_openapi_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/reads/{id}/submit/" in text and "/api/studies/{id}/progress/" in text


def post(client, url, data=None):
    return client.post(url, data=data or {}, content_type="application/json")


def test_paper_protocol_through_the_api(cast, move_clock):
    result = make_result(cast.cases[0])
    cast.study.model_version = result.model_version
    cast.study.save()
    reader = Client()
    reader.force_login(cast.reader)
    study = cast.study.pk
    assert post(reader, reverse("api-study-open-session", kwargs={"pk": study, "number": 1})).status_code == 201
    keys = [row["key"] for row in reader.get(reverse("api-study-cases", kwargs={"pk": study})).json()]
    for key in keys:
        read = post(reader, reverse("api-read-list"), {"study": study, "case_key": key, "arm": "unaided"}).json()
        url = reverse("api-read-submit", kwargs={"pk": read["id"]})
        assert post(reader, url, {"answers": ANSWERS}).json()["locked"] is True
        assert post(reader, url, {"answers": ANSWERS}).status_code == 200
        assert post(reader, url, {"answers": LM_ANSWERS}).status_code == 409
    sessions = reader.get(reverse("api-study-sessions", kwargs={"pk": study})).json()
    assert sessions[1]["state"] == "waiting" and "opens on" in sessions[1]["message"]
    refused = post(reader, reverse("api-study-open-session", kwargs={"pk": study, "number": 2}))
    assert refused.status_code == 409 and refused.json()["opens_at"] == sessions[1]["opens_at"]
    move_clock(days=30, minutes=1)
    assert post(reader, reverse("api-study-open-session", kwargs={"pk": study, "number": 2})).status_code == 201
    key0 = cast.study.study_cases.get(case=cast.cases[0]).key
    aided = post(reader, reverse("api-read-list"), {"study": study, "case_key": key0, "arm": "aided"}).json()
    payload = reader.get(reverse("api-read-ai", kwargs={"pk": aided["id"]})).json()
    assert payload["dominant_diagnosis"] == "HCC" and payload["result_id"] == result.pk
    assert Read.objects.get(pk=aided["id"]).ai_result_id == result.pk
    coordinator = Client()
    coordinator.force_login(cast.coordinator)
    progress = coordinator.get(reverse("api-study-progress", kwargs={"pk": study})).json()
    mine = next(row for row in progress if row["reader"] == "reader")
    assert [s["state"] for s in mine["sessions"]] == ["completed", "in_progress"]


def test_bad_answers_are_a_400_naming_the_fields(cast):
    reader = Client()
    reader.force_login(cast.reader)
    post(reader, reverse("api-study-open-session", kwargs={"pk": cast.study.pk, "number": 1}))
    key = cast.study.study_cases.first().key
    read = post(reader, reverse("api-read-list"), {"study": cast.study.pk, "case_key": key, "arm": "unaided"}).json()
    response = post(reader, reverse("api-read-submit", kwargs={"pk": read["id"]}),
                    {"answers": {**ANSWERS, "class_confidence": {"HCC": 101}}})
    assert response.status_code == 400
    assert {"class_confidence_HCC", "class_confidence_ICC"} <= set(response.json())
    assert Read.objects.get(pk=read["id"]).locked is False


def test_coordinator_creates_and_configures_a_study(db):
    from .conftest import make_user

    coordinator = Client()
    coordinator.force_login(make_user("lead", staff=True))
    created = post(coordinator, reverse("api-study-list"), {"name": "Pilot", "is_pilot": True, "washout_days": 2})
    assert created.status_code == 201 and created.json()["coordinators"] == ["lead"]
    url = reverse("api-study-detail", kwargs={"pk": created.json()["id"]})
    too_short = coordinator.patch(url, data={"is_pilot": False}, content_type="application/json")
    assert too_short.status_code == 400 and "washout_days" in too_short.json()


def test_consensus_through_the_api(cast):
    result = make_result(cast.cases[0])
    cast.study.model_version = result.model_version
    cast.study.save()
    member = Client()
    member.force_login(cast.second_reader)
    key = cast.study.study_cases.get(case=cast.cases[0]).key
    group = {"readers": ["reader", "reader2"], "case_key": key}
    url = reverse("api-study-consensus", kwargs={"pk": cast.study.pk})
    ai_url = reverse("api-study-consensus-ai", kwargs={"pk": cast.study.pk})
    assert post(member, ai_url, group).status_code == 409
    assert post(member, url, {**group, "arm": "unaided", "answers": ANSWERS}).status_code == 201
    assert post(member, ai_url, group).json()["probabilities"]["HCC"] == 0.7
    aided = post(member, url, {**group, "arm": "aided", "answers": LM_ANSWERS}).json()
    assert aided["ai_result"] == result.pk and aided["readers"] == ["reader", "reader2"]
    outsider = Client()
    outsider.force_login(cast.other_reader)
    assert outsider.get(url).status_code == 404
    assert len(member.get(url).json()) == 2


def test_coordinator_sets_cases_of_a_draft_study_by_manifest_id(cast):
    from .conftest import make_cases

    lead = Client()
    lead.force_login(cast.coordinator)
    study = post(lead, reverse("api-study-list"), {"name": "Draft"}).json()["id"]
    url = reverse("api-study-cases", kwargs={"pk": study})
    extra = make_cases("S3", 2)
    assert post(lead, url, {"case_ids": ["S3-HCC-0", "nope"]}).status_code == 400
    rows = post(lead, url, {"case_ids": [c.case_id for c in extra]}).json()
    assert len(rows) == 2 and set(rows[0]) == {"key", "age", "sex"}
