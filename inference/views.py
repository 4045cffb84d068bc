"""Coordinator-only progress of ALMSS inference (JSON). Readers never get AI output from here:
their access goes through the viewer, which asks ``can_view_ai_output``."""
from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from reader_study.cases.models import Case
from reader_study.studies.access import is_coordinator

from .models import InferenceResult


@require_GET
def case_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Status, progress message, attempts and timings of every result of a case (no probabilities)."""
    if not is_coordinator(request.user):
        return JsonResponse({"detail": "Only study coordinators may see inference progress."}, status=403)
    case = get_object_or_404(Case, pk=pk)
    results = InferenceResult.objects.filter(case=case).select_related("model_version").order_by("created_at")
    return JsonResponse({
        "case": case.case_id,
        "results": [
            {"result_id": r.pk, "model_version": str(r.model_version), "model_label": r.model_version.label,
             "status": r.status, "message": r.message, "attempts": r.attempts,
             "started_at": r.started_at.isoformat() if r.started_at else None,
             "finished_at": r.finished_at.isoformat() if r.finished_at else None, "timings": r.timings}
            for r in results
        ],
    })
