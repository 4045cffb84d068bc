"""Statistics join reads with the truth: only coordinators of the study may see them or export them."""
from __future__ import annotations

import pytest
from django.urls import reverse

from reader_study.audit.models import AuditEvent
from reader_study.studies import services

from .conftest import make_user

pytestmark = pytest.mark.django_db
KINDS = ["reads.csv", "imrmc", "mrmcaov.csv", "statistics.json", "report.html", "report.pdf"]


@pytest.fixture
def study_and_people(db):
    coordinator, other = make_user("coord", staff=True), make_user("coord-other", staff=True)
    reader = make_user("reader1")
    study = services.do_create_study(coordinator, name="Guarded")
    services.do_enrol_reader(coordinator, study, reader)
    return study, coordinator, other, reader


def urls(study):
    return [reverse("reports:study", args=[study.pk])] + [
        reverse("reports:export", args=[study.pk, kind]) + ("?class=HCC" if kind == "imrmc" else "")
        for kind in KINDS]


def test_readers_other_coordinators_and_anonymous_are_refused(client, study_and_people):
    study, coordinator, other, reader = study_and_people
    for url in urls(study):
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    for user in (reader, other):
        client.force_login(user)
        for url in urls(study):
            assert client.get(url).status_code == 403, url
    client.force_login(reader)
    assert client.get(reverse("reports:index")).status_code == 403
    assert not AuditEvent.objects.filter(action="statistics.exported").exists()


def test_coordinator_sees_an_empty_study_with_explanations(client, study_and_people):
    study, coordinator, _, _ = study_and_people
    client.force_login(coordinator)
    page = client.get(reverse("reports:study", args=[study.pk]))
    assert page.status_code == 200
    assert b"Not available" in page.content
    index = client.get(reverse("reports:index"))
    assert b"Guarded" in index.content
