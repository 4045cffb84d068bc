"""Uploading a DICOM zip + manifest: validation, permissions, and the real Celery import with its progress JSON."""
from __future__ import annotations

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reader_study.cases.models import Case, ImportJob

MANIFEST = b"case_id,age,sex,tumour_class,origin,pathology_type,cohort\n"


def _zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.django_db
def test_upload_refuses_a_non_zip_and_creates_no_job(coordinator_client, media_root):
    data = {"archive": SimpleUploadedFile("x.zip", b"not a zip"), "manifest": SimpleUploadedFile("m.csv", MANIFEST)}
    response = coordinator_client.post(reverse("studies:import_upload"), data)
    assert response.status_code == 200 and b"must be a .zip" in response.content
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_upload_refuses_a_manifest_without_header(coordinator_client, media_root):
    data = {"archive": SimpleUploadedFile("x.zip", _zip_of({"a.txt": b"x"})),
            "manifest": SimpleUploadedFile("m.csv", b"1,2,3\n")}
    response = coordinator_client.post(reverse("studies:import_upload"), data)
    assert response.status_code == 200 and b"case_id" in response.content
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_readers_cannot_upload_or_see_imports(reader_client, coordinator, media_root):
    job = ImportJob.objects.create(created_at="2026-01-01T00:00Z", created_by=coordinator, source="/x.zip")
    for name, args in (("imports", []), ("import_upload", []), ("import_detail", [job.pk]),
                       ("import_status", [job.pk])):
        assert reader_client.get(reverse(f"studies:{name}", args=args)).status_code == 403
    data = {"archive": SimpleUploadedFile("x.zip", _zip_of({"a.txt": b"x"})),
            "manifest": SimpleUploadedFile("m.csv", MANIFEST)}
    assert reader_client.post(reverse("studies:import_upload"), data).status_code == 403
    assert ImportJob.objects.count() == 1


def _wait_until_finished(client, job: ImportJob, timeout: float = 120.0) -> dict:
    url = reverse("studies:import_status", args=[job.pk])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(url).json()
        if status["finished"]:
            return status
        time.sleep(0.5)
    raise AssertionError(f"import job {job.pk} did not finish in {timeout} s: {status}")


@pytest.mark.worker
@pytest.mark.slow
def test_upload_runs_the_import_in_a_real_worker(transactional_db, celery_worker, worker_media, client, tmp_path):
    from django.contrib.auth import get_user_model

    from reader_study.phantom import generate_dataset

    coordinator = get_user_model().objects.create_user("coord", "c@example.org", "pw-long-enough-1", is_staff=True)
    client.force_login(coordinator)
    generate_dataset(tmp_path / "phantoms", 1, seed=3, size=32, slices=4, cohort="internal_test")
    files = {str(p.relative_to(tmp_path / "phantoms")): p.read_bytes()
             for p in (tmp_path / "phantoms").rglob("*") if p.is_file() and p.name != "manifest.csv"}
    data = {"archive": SimpleUploadedFile("cases.zip", _zip_of(files)),
            "manifest": SimpleUploadedFile("manifest.csv", (tmp_path / "phantoms" / "manifest.csv").read_bytes()),
            "deidentify": "on"}
    response = client.post(reverse("studies:import_upload"), data)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("studies:import_detail", args=[job.pk])
    page = client.get(response["Location"])
    assert b"import-progress" in page.content
    status = _wait_until_finished(client, job)
    assert status["status"] == "done", status
    assert status["progress"] == 1.0
    assert Case.objects.count() == 1


@pytest.mark.worker
@pytest.mark.slow
def test_a_broken_upload_fails_cleanly_in_the_worker(transactional_db, celery_worker, worker_media, client):
    from django.contrib.auth import get_user_model

    coordinator = get_user_model().objects.create_user("coord", "c@example.org", "pw-long-enough-1", is_staff=True)
    client.force_login(coordinator)
    manifest = MANIFEST + b"PH-1,60,M,HCC,,HCC,internal_test\n"
    data = {"archive": SimpleUploadedFile("cases.zip", _zip_of({"PH-1/dicom/1.dcm": b"not dicom"})),
            "manifest": SimpleUploadedFile("manifest.csv", manifest)}
    client.post(reverse("studies:import_upload"), data)
    status = _wait_until_finished(client, ImportJob.objects.get())
    assert status["status"] == "failed" and status["error"]
    assert not Case.objects.exists()
