"""Coordinator-only statistics pages and exports; every check is on the server (readers get 403)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render

from reader_study.reports import services
from reader_study.studies.access import is_coordinator
from reader_study.studies.models import ReaderStudy


@login_required
def index(request):
    """The studies this coordinator may analyse."""
    if not is_coordinator(request.user):
        raise PermissionDenied("Only study coordinators may see statistics.")
    studies = ReaderStudy.objects.all() if request.user.is_superuser else \
        ReaderStudy.objects.filter(coordinators=request.user)
    return render(request, "reports/index.html", {"studies": studies.order_by("name")})


@login_required
def study_statistics(request, study_id: int):
    """The statistics page of one study: tables and server-rendered plots."""
    study = get_object_or_404(ReaderStudy, pk=study_id)
    services.check_can_view_statistics(request.user, study)
    try:
        options = services.parse_options(request.GET)
    except ValidationError as exc:
        return HttpResponseBadRequest("; ".join(exc.messages))
    data, stats = services.study_statistics(study, options)
    context = services.page_context(data, stats) | {"study": study, "export_kinds": services.EXPORT_KINDS,
                                                     "query": request.GET.urlencode()}
    return render(request, "reports/statistics.html", context)


@login_required
def export(request, study_id: int, kind: str):
    """One export (CSV, iMRMC, MRMCaov CSV, JSON, HTML, PDF) as a download; audited."""
    study = get_object_or_404(ReaderStudy, pk=study_id)
    services.check_can_view_statistics(request.user, study)
    try:
        options = services.parse_options(request.GET)
        content, content_type, filename = services.do_export(request.user, study, kind, options,
                                                             request.GET.get("class"))
    except ValidationError as exc:
        return HttpResponseBadRequest("; ".join(exc.messages))
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
