"""Upload a DICOM zip + manifest and follow the import (a Celery task) on a progress page."""
from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from reader_study import clock
from reader_study.audit.services import record
from reader_study.cases.models import ImportJob
from reader_study.cases.tasks import run_import

from ..forms import ImportUploadForm
from .common import CoordinatorRequiredMixin

UPLOAD_SUBDIR = "uploads"


def _store_upload(uploaded, folder: Path, name: str) -> Path:
    """Write an uploaded file in chunks (never the whole zip in memory)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    with open(target, "wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    return target


def enqueue_import(job: ImportJob) -> None:
    """Start the import task once the job row is committed (the worker must see it)."""
    transaction.on_commit(lambda: run_import.delay(job_id=job.pk))


class ImportListView(CoordinatorRequiredMixin, ListView):
    template_name = "studies/import_list.html"
    context_object_name = "jobs"
    paginate_by = 30

    def get_queryset(self):
        return ImportJob.objects.all()


class ImportUploadView(CoordinatorRequiredMixin, FormView):
    template_name = "studies/import_upload.html"
    form_class = ImportUploadForm

    def form_valid(self, form):
        folder = Path(settings.MEDIA_ROOT) / UPLOAD_SUBDIR / uuid.uuid4().hex
        archive = _store_upload(form.cleaned_data["archive"], folder, "dicom.zip")
        manifest = _store_upload(form.cleaned_data["manifest"], folder, "manifest.csv")
        with transaction.atomic():
            job = ImportJob.objects.create(
                created_at=clock.now(), created_by=self.request.user, source=str(archive), manifest=str(manifest),
                options={"deidentify": form.cleaned_data["deidentify"], "upload": True},
            )
            record("import.queued", job, actor=self.request.user,
                   after={"source": archive.name, "deidentify": form.cleaned_data["deidentify"]})
            enqueue_import(job)
        return redirect("studies:import_detail", pk=job.pk)


class ImportDetailView(CoordinatorRequiredMixin, TemplateView):
    template_name = "studies/import_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["job"] = get_object_or_404(ImportJob, pk=self.kwargs["pk"])
        context["status_url"] = reverse("studies:import_status", kwargs={"pk": self.kwargs["pk"]})
        return context


class ImportStatusView(CoordinatorRequiredMixin, View):
    """The small JSON document the progress page polls."""

    def get(self, request, pk: int):
        job = get_object_or_404(ImportJob, pk=pk)
        return JsonResponse({
            "id": job.pk, "status": job.status, "progress": job.progress, "message": job.progress_message,
            "error": job.error, "finished": job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED),
            "report": job.report if job.status == ImportJob.Status.DONE else None,
        })
