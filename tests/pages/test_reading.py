"""The reader's path through the pages: sessions, worklist, reading, locking, refusals and the AI panel."""
from __future__ import annotations

import pytest
from django.urls import reverse

from reader_study.studies import services
from reader_study.studies.models import Read, StudyCase

from .conftest import make_ai_result

pytestmark = pytest.mark.django_db

ANSWER = {"diagnosis": "HCC", "diagnosis_confidence": "80", "class_confidence_HCC": "80",
          "class_confidence_ICC": "15", "class_confidence_LM": "5", "comment": "", "active_seconds": "12"}


def keys(study):
    return list(StudyCase.objects.filter(study=study).order_by("key").values_list("key", flat=True))


def read_url(study, key, arm):
    return reverse(f"studies:read_{arm}", kwargs={"study_pk": study.pk, "key": key})


def read_all(client, study, arm):
    client.post(reverse("studies:open_session", args=[study.pk, 1 if arm == "unaided" else 2]))
    for key in keys(study):
        response = client.post(read_url(study, key, arm), ANSWER)
        assert response.status_code == 302, response.content.decode()[:2000]


def test_my_studies_lists_sessions_and_hides_truth(reader_client, open_study):
    response = reader_client.get(reverse("studies:my_studies"))
    assert response.status_code == 200
    assert b"Liver pilot" in response.content
    page = reader_client.get(reverse("studies:reader_study", args=[open_study.pk]))
    assert b"Start session 1" in page.content
    assert b"PH-HCC-001" not in page.content and b"HCC-001" not in page.content


def test_reader_reads_unaided_then_is_refused_aided_until_washout(reader_client, open_study, move_clock, cases,
                                                                   model_version):
    read_all(reader_client, open_study, "unaided")
    assert Read.objects.filter(locked=True, arm="unaided").count() == 2
    assert Read.objects.get(case=cases[0]).active_seconds > 0
    sessions = reader_client.get(reverse("studies:reader_study", args=[open_study.pk]))
    assert b"Opens" in sessions.content and b"Not open yet" in sessions.content
    refused = reader_client.post(reverse("studies:open_session", args=[open_study.pk, 2]))
    assert refused.status_code == 403 and b"Opens on" in refused.content
    key = keys(open_study)[0]
    assert reader_client.get(read_url(open_study, key, "aided")).status_code == 403
    assert not Read.objects.filter(arm="aided").exists()

    for case in cases:
        make_ai_result(case, model_version, {"HCC": 0.7, "ICC": 0.2, "LM": 0.1}, "HCC")
    move_clock(days=31)
    assert reader_client.post(reverse("studies:open_session", args=[open_study.pk, 2])).status_code == 302
    page = reader_client.get(read_url(open_study, key, "aided"))
    assert page.status_code == 200
    assert b'id="ai-panel"' in page.content and b"synthetic data, not for clinical use" in page.content
    assert b"70%" in page.content
    read = Read.objects.get(arm="aided", case__study_entries__key=key)
    assert read.ai_result is not None and "probabilities" in read.ai_elements_shown


def test_unaided_page_never_shows_ai(reader_client, open_study, cases, model_version):
    make_ai_result(cases[0], model_version, {"HCC": 0.7, "ICC": 0.2, "LM": 0.1}, "HCC")
    reader_client.post(reverse("studies:open_session", args=[open_study.pk, 1]))
    for key in keys(open_study):
        page = reader_client.get(read_url(open_study, key, "unaided"))
        assert page.status_code == 200
        assert b"ai-panel" not in page.content and b"70%" not in page.content


def test_submitted_read_is_locked_and_read_only(reader_client, open_study):
    reader_client.post(reverse("studies:open_session", args=[open_study.pk, 1]))
    key = keys(open_study)[0]
    assert reader_client.post(read_url(open_study, key, "unaided"), ANSWER).status_code == 302
    changed = {**ANSWER, "diagnosis": "ICC"}
    reader_client.post(read_url(open_study, key, "unaided"), changed)
    read = Read.objects.get(study=open_study, case__study_entries__key=key, arm="unaided")
    assert read.locked and read.answers["diagnosis"] == "HCC"
    page = reader_client.get(read_url(open_study, key, "unaided"))
    assert b"This read is locked" in page.content and b'id="answer-form"' not in page.content


def test_invalid_answers_change_nothing(reader_client, open_study):
    reader_client.post(reverse("studies:open_session", args=[open_study.pk, 1]))
    key = keys(open_study)[0]
    response = reader_client.post(read_url(open_study, key, "unaided"), {**ANSWER, "diagnosis": "LM"})
    assert response.status_code == 400
    assert b"needs a primary origin" in response.content
    assert not Read.objects.filter(locked=True).exists()


def test_heartbeat_adds_bounded_time_only_to_own_read(reader_client, open_study, other_reader, client):
    reader_client.post(reverse("studies:open_session", args=[open_study.pk, 1]))
    reader_client.get(read_url(open_study, keys(open_study)[0], "unaided"))
    read = Read.objects.get()
    url = reverse("studies:read_heartbeat", args=[read.pk])
    assert reader_client.post(url, {"active_seconds": "1"}).status_code == 200
    assert reader_client.get(url).status_code == 405
    reader_client.logout()
    client.force_login(other_reader)
    assert client.post(url, {"active_seconds": "5"}).status_code == 404


def test_worklist_of_unopened_session_explains_when_it_opens(reader_client, open_study):
    response = reader_client.get(reverse("studies:worklist", args=[open_study.pk, 2]))
    assert response.status_code == 403
    assert b"refusal" in response.content


def test_other_reader_cannot_see_the_study(client, open_study, other_reader):
    client.force_login(other_reader)
    assert client.get(reverse("studies:reader_study", args=[open_study.pk])).status_code == 404
    key = keys(open_study)[0]
    assert client.get(read_url(open_study, key, "unaided")).status_code == 404
    assert b"Liver pilot" not in client.get(reverse("studies:my_studies")).content


def test_clinical_notes_and_five_point_scale_follow_the_study(client, coordinator, reader, cases):
    from reader_study.cases.models import ClinicalNote

    ClinicalNote.objects.create(case=cases[0], kind="laboratory", text="AFP raised", values={"AFP": 412})
    study = services.do_create_study(coordinator, name="Notes", cases=cases[:1], show_clinical_notes=True,
                                     confidence_scale="five_point")
    services.do_enrol_reader(coordinator, study, reader)
    services.do_open_study(coordinator, study)
    client.force_login(reader)
    client.post(reverse("studies:open_session", args=[study.pk, 1]))
    url = read_url(study, keys(study)[0], "unaided")
    page = client.get(url)
    assert b'id="clinical-notes"' in page.content and b"AFP raised" in page.content
    assert b'name="diagnosis_confidence" value="5"' in page.content
    out_of_scale = client.post(url, ANSWER)  # 80 is not on the 1-5 scale
    assert out_of_scale.status_code == 400 and b"outside the study" in out_of_scale.content
    assert client.post(url, {**ANSWER, "diagnosis_confidence": "4"}).status_code == 302


def test_sequential_design_shows_ai_right_after_the_unaided_read_is_locked(client, coordinator, reader, cases,
                                                                             model_version):
    make_ai_result(cases[0], model_version, {"HCC": 0.6, "ICC": 0.3, "LM": 0.1}, "HCC")
    study = services.do_create_study(coordinator, name="Sequential", design="sequential", cases=cases[:1],
                                     model_version=model_version)
    services.do_enrol_reader(coordinator, study, reader)
    services.do_open_study(coordinator, study)
    client.force_login(reader)
    client.post(reverse("studies:open_session", args=[study.pk, 1]))
    key = keys(study)[0]
    assert client.get(read_url(study, key, "aided")).status_code == 403  # unaided first
    response = client.post(read_url(study, key, "unaided"), ANSWER)
    assert response["Location"] == read_url(study, key, "aided")
    page = client.get(response["Location"])
    assert page.status_code == 200 and b'id="ai-panel"' in page.content and b"60%" in page.content
