"""Foundation: settings from the environment, the movable clock, the append-only audit trail."""
import datetime as dt

import pytest
from django.conf import settings

from reader_study import clock
from reader_study.audit.models import AuditEvent
from reader_study.audit.services import record
from reader_study.vocabulary import PATHOLOGY_TYPES, OriginSystem, TumourClass, class_of, normalise_sex


def test_test_suite_runs_on_postgresql():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_celery_routes_inference_to_gpu_queue():
    from reader_study.celery import app

    assert app.conf.task_default_queue == "default"
    assert app.conf.task_routes["inference.tasks.*"] == {"queue": "gpu"}
    assert app.conf.task_acks_late is True


def test_clock_moves_only_through_the_test_file(move_clock):
    before = clock.now()
    move_clock(days=31)
    assert clock.now() - before >= dt.timedelta(days=31)


@pytest.mark.django_db
def test_audit_events_are_append_only():
    event = record("study.configured", object_type="study", object_id=1, after={"washout_days": 30})
    assert event.actor_label == "system"
    event.message = "edited"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(message="x")
    assert AuditEvent.objects.get().message == ""


@pytest.mark.parametrize("raw,expected", [("M", "M"), ("male", "M"), (" F ", "F"), ("Female", "F")])
def test_sex_is_normalised(raw, expected):
    assert normalise_sex(raw).value == expected


@pytest.mark.parametrize("raw", ["O", "", "mal", "femal", "unknown"])
def test_other_sex_spellings_are_errors(raw):
    with pytest.raises(ValueError):
        normalise_sex(raw)


def test_pathology_types_map_to_the_six_origins():
    origins = {origin for _, origin, _ in PATHOLOGY_TYPES.values() if origin is not None}
    assert origins == set(OriginSystem)
    assert class_of(TumourClass.METASTASIS, OriginSystem.BREAST) == "breast"
    with pytest.raises(ValueError):
        class_of(TumourClass.METASTASIS, None)


@pytest.mark.django_db
def test_pages_renew_the_idle_session_but_image_fetches_do_not(client, django_user_model):
    from django.contrib.sessions.models import Session

    user = django_user_model.objects.create_user("idle-check", password="x-pass-12345")
    client.force_login(user)
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=clock.now() + dt.timedelta(minutes=5))
    client.get("/dicomweb/studies/1.2.3/series/1.2.3.4/metadata")
    assert Session.objects.get(pk=key).expire_date < clock.now() + dt.timedelta(minutes=6)
    client.get("/my/studies/")
    assert Session.objects.get(pk=key).expire_date > clock.now() + dt.timedelta(minutes=50)
