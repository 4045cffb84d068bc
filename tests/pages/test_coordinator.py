"""Coordinator pages: create and configure (locks, pilot washout), choose cases, enrol, progress, audit log."""
from __future__ import annotations

import pytest
from django.urls import reverse

from reader_study.audit.models import AuditEvent
from reader_study.studies import services
from reader_study.studies.models import Enrolment, ReaderStudy

from .conftest import make_case, make_user

pytestmark = pytest.mark.django_db

NEW_STUDY = {"name": "Paper protocol", "description": "", "design": "unaided_then_aided", "washout_days": "30",
             "ai_elements": ["probabilities", "dominant_diagnosis"], "confidence_scale": "percent"}


def test_coordinator_creates_a_draft_study(coordinator_client, coordinator):
    response = coordinator_client.post(reverse("studies:study_create"), NEW_STUDY)
    study = ReaderStudy.objects.get(name="Paper protocol")
    assert response.status_code == 302 and response["Location"] == reverse("studies:study_cases", args=[study.pk])
    assert study.status == "draft" and study.ai_elements == ["probabilities", "dominant_diagnosis"]
    assert study.coordinators.filter(pk=coordinator.pk).exists()
    assert AuditEvent.objects.filter(action="study.created", study_id=study.pk).exists()


def test_short_washout_needs_a_pilot_study(coordinator_client):
    response = coordinator_client.post(reverse("studies:study_create"), {**NEW_STUDY, "washout_days": "7"})
    assert response.status_code == 200 and b"only a pilot study may shorten" in response.content
    assert not ReaderStudy.objects.exists()


def test_pilot_washout_shortening_needs_a_reason_and_is_audited(coordinator_client):
    coordinator_client.post(reverse("studies:study_create"), {**NEW_STUDY, "is_pilot": "on"})
    study = ReaderStudy.objects.get()
    url = reverse("studies:study_configure", args=[study.pk])
    data = {**NEW_STUDY, "is_pilot": "on", "washout_days": "2"}
    response = coordinator_client.post(url, data)
    assert response.status_code == 200 and b"reason for shortening" in response.content
    assert coordinator_client.post(url, {**data, "reason": "dry run of the pages"}).status_code == 302
    study.refresh_from_db()
    assert study.washout_days == 2
    event = AuditEvent.objects.get(action="study.washout_shortened", study_id=study.pk)
    assert event.message == "dry run of the pages" and event.after == {"washout_days": 2}


def test_configuration_is_locked_once_reading_starts(coordinator_client, open_study, reader):
    services.do_open_session(open_study, reader, 1)
    url = reverse("studies:study_configure", args=[open_study.pk])
    page = coordinator_client.get(url)
    assert b"the design is fixed" in page.content and b"disabled" in page.content
    response = coordinator_client.post(url, {**NEW_STUDY, "name": "Renamed", "design": "sequential",
                                             "washout_days": "1"})
    assert response.status_code == 302
    open_study.refresh_from_db()
    assert open_study.name == "Renamed"
    assert open_study.design == "unaided_then_aided" and open_study.washout_days == 30


def test_cases_filtered_by_cohort_and_class_then_chosen(coordinator_client, cases):
    make_case("EXT-ICC-9", "ICC", cohort="external_test")
    coordinator_client.post(reverse("studies:study_create"), NEW_STUDY)
    study = ReaderStudy.objects.get()
    url = reverse("studies:study_cases", args=[study.pk])
    page = coordinator_client.get(url, {"tumour_class": "LM"})
    assert b"PH-LM-002" in page.content and b"PH-HCC-001" not in page.content
    page = coordinator_client.get(url, {"cohort": "external_test"})
    assert b"EXT-ICC-9" in page.content and b"PH-LM-002" not in page.content
    assert coordinator_client.post(url, {"cases": [cases[0].pk, cases[1].pk]}).status_code == 302
    assert set(study.study_cases.values_list("case_id", flat=True)) == {cases[0].pk, cases[1].pk}


def test_cases_cannot_change_once_open(coordinator_client, open_study, cases):
    url = reverse("studies:study_cases", args=[open_study.pk])
    response = coordinator_client.post(url, {"cases": [cases[0].pk]}, follow=True)
    assert b"only while the study is a draft" in response.content
    assert open_study.study_cases.count() == 2


def test_enrol_a_reader_and_see_progress(coordinator_client, open_study, other_reader, reader):
    url = reverse("studies:study_readers", args=[open_study.pk])
    assert coordinator_client.post(url, {"reader": other_reader.pk}).status_code == 302
    assert Enrolment.objects.filter(study=open_study, reader=other_reader).exists()
    services.do_open_session(open_study, reader, 1)
    progress = coordinator_client.get(reverse("studies:study_progress", args=[open_study.pk]))
    assert progress.status_code == 200
    assert b'data-reader="reader1" data-session="1"' in progress.content
    assert b"in_progress" in progress.content and b"0 / 2" in progress.content


def test_study_detail_links_statistics_and_inference_status(coordinator_client, open_study):
    page = coordinator_client.get(reverse("studies:study_detail", args=[open_study.pk]))
    assert page.status_code == 200
    assert reverse("reports:study", args=[open_study.pk]).encode() in page.content
    assert b'id="inference-status"' in page.content and b"missing" in page.content


def test_open_and_close_a_study(coordinator_client, coordinator, cases):
    study = services.do_create_study(coordinator, name="Draft", cases=cases)
    assert coordinator_client.post(reverse("studies:study_open", args=[study.pk])).status_code == 302
    study.refresh_from_db()
    assert study.status == "open"
    assert coordinator_client.post(reverse("studies:study_close", args=[study.pk])).status_code == 302
    study.refresh_from_db()
    assert study.status == "closed"


def test_other_coordinator_and_readers_cannot_manage_the_study(client, open_study, reader):
    other = make_user("coord-b", staff=True)
    client.force_login(other)
    for name in ("study_detail", "study_configure", "study_cases", "study_readers", "study_progress"):
        assert client.get(reverse(f"studies:{name}", args=[open_study.pk])).status_code == 404
    assert client.post(reverse("studies:study_close", args=[open_study.pk])).status_code == 404
    client.force_login(reader)
    assert client.get(reverse("studies:study_progress", args=[open_study.pk])).status_code == 403
    assert client.post(reverse("studies:study_close", args=[open_study.pk])).status_code == 403
    open_study.refresh_from_db()
    assert open_study.status == "open"


def test_audit_log_is_filterable_and_read_only(coordinator_client, open_study):
    url = reverse("studies:audit_log")
    page = coordinator_client.get(url, {"action": "reader.enrolled"})
    assert page.status_code == 200
    assert b"<code>reader.enrolled</code>" in page.content and b"<code>study.created</code>" not in page.content
    page = coordinator_client.get(url, {"study": open_study.pk})
    assert b"<code>study.opened</code>" in page.content
    before = AuditEvent.objects.count()
    assert coordinator_client.post(url).status_code == 405
    assert AuditEvent.objects.count() == before


def test_audit_log_hides_other_studies_events_from_other_coordinators(client, open_study, django_user_model):
    other = django_user_model.objects.create_user("other-coordinator", password="x-pass-12345", is_staff=True)
    client.force_login(other)
    page = client.get(reverse("studies:audit_log"), {"study": open_study.pk})
    assert page.status_code == 200
    assert b"<code>study.opened</code>" not in page.content and b"<code>reader.enrolled</code>" not in page.content


def test_state_changing_pages_need_csrf(open_study, coordinator):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(coordinator)
    assert strict.post(reverse("studies:study_close", args=[open_study.pk])).status_code == 403
    assert strict.post(reverse("studies:study_create"), NEW_STUDY).status_code == 403
    open_study.refresh_from_db()
    assert open_study.status == "open" and ReaderStudy.objects.count() == 1


def test_coordinator_amends_a_locked_read_with_a_reason(coordinator_client, open_study, reader, cases):
    from reader_study.studies.models import Amendment

    services.do_open_session(open_study, reader, 1)
    read = services.do_start_read(open_study, reader, cases[0], "unaided")
    answers = {"diagnosis": "HCC", "diagnosis_confidence": 80, "origin": None, "origin_confidence": None,
               "class_confidence": {"HCC": 80, "ICC": 15, "LM": 5}, "comment": ""}
    services.do_submit_read(reader, read, answers)
    listing = coordinator_client.get(reverse("studies:study_reads", args=[open_study.pk]))
    assert listing.status_code == 200 and b"PH-HCC-001" in listing.content
    url = reverse("studies:amend_read", args=[open_study.pk, read.pk])
    assert b'value="HCC" id="diagnosis-HCC" checked' in coordinator_client.get(url).content
    data = {"diagnosis": "ICC", "diagnosis_confidence": "70", "class_confidence_HCC": "20",
            "class_confidence_ICC": "70", "class_confidence_LM": "10"}
    no_reason = coordinator_client.post(url, data)
    assert no_reason.status_code == 400 and not Amendment.objects.exists()
    assert coordinator_client.post(url, {**data, "reason": "reader clicked the wrong class"}).status_code == 302
    amendment = Amendment.objects.get()
    assert amendment.after["diagnosis"] == "ICC" and amendment.before["diagnosis"] == "HCC"
    read.refresh_from_db()
    assert read.answers["diagnosis"] == "HCC" and read.locked
