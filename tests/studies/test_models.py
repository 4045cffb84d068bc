"""Truth is unreachable from every reader-facing model, and reads are read-only in the admin."""
import pytest
from django.apps import apps
from django.contrib.admin.sites import site

from reader_study.cases.models import Case, CaseTruth
from reader_study.studies.models import Amendment, ConsensusRead, Read, ReadingSession


def related_models(model, depth: int, seen=None) -> set:
    """Models reachable by forward relations and reverse accessors (``get_fields`` omits hidden ones)."""
    seen = set() if seen is None else seen
    if depth == 0 or model in seen:
        return seen
    seen.add(model)
    for field in model._meta.get_fields():
        if field.is_relation and field.related_model is not None:
            related_models(field.related_model, depth - 1, seen)
    return seen


@pytest.mark.parametrize("model", [m for m in apps.get_app_config("studies").get_models()],
                         ids=lambda m: m.__name__)
def test_no_studies_model_reaches_the_truth(model):
    assert CaseTruth not in related_models(model, depth=3)


def test_case_has_no_accessor_to_its_truth():
    names = {f.name for f in Case._meta.get_fields()} | {getattr(f, "get_accessor_name", lambda: "")()
                                                         for f in Case._meta.get_fields() if f.auto_created}
    assert not any("truth" in (n or "").lower() for n in names)


@pytest.mark.parametrize("model", [Read, Amendment, ConsensusRead, ReadingSession], ids=lambda m: m.__name__)
def test_reads_cannot_be_added_changed_or_deleted_in_the_admin(model, rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    admin = site._registry[model]
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)


@pytest.mark.django_db
def test_a_locked_read_cannot_be_changed_or_unlocked_by_saving(cast):
    from reader_study.studies import services

    from .conftest import ANSWERS

    services.do_open_session(cast.study, cast.reader, 1)
    read = services.do_submit_read(
        cast.reader, services.do_start_read(cast.study, cast.reader, cast.cases[0], "unaided"), ANSWERS
    )
    read = Read.objects.get(pk=read.pk)
    read.answers = {**read.answers, "diagnosis": "ICC"}
    with pytest.raises(PermissionError):
        read.save()
    read = Read.objects.get(pk=read.pk)
    read.locked = False
    with pytest.raises(PermissionError):
        read.save()
    assert Read.objects.get(pk=read.pk).answers["diagnosis"] == "HCC"


@pytest.mark.django_db
def test_admin_pages_of_every_studies_model_render(cast, admin_client):
    from django.urls import reverse

    for model in apps.get_app_config("studies").get_models():
        if model in site._registry:
            url = reverse(f"admin:studies_{model._meta.model_name}_changelist")
            assert admin_client.get(url).status_code == 200, url
