"""Coordinator pages: study list, create and configure, open/close, choose cases, enrol readers, progress.

Views only translate HTTP to PROTOCOL's services; ``check_can_coordinate``
guards every study page (403 for readers and for coordinators of other studies).
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import services
from ..forms import StudyConfigForm
from ..models import ReaderStudy
from .common import require_coordinator


def coordinated_study(user, study_pk: int) -> ReaderStudy:
    """Return the study if ``user`` coordinates it; 404 if they cannot see it at all, 403 for its readers."""
    study = get_object_or_404(services.studies_for(user), pk=study_pk)
    services.check_can_coordinate(user, study)
    return study


def statistics_url(study: ReaderStudy) -> str:
    """STATS's page for this study (statistics and exports)."""
    return reverse("reports:study", args=[study.pk])


def inference_summary(study: ReaderStudy) -> dict[str, int]:
    """Count the study's cases per ALMSS result status (for the inference-status link)."""
    from inference.models import InferenceResult

    if study.model_version_id is None:
        return {}
    rows = (InferenceResult.objects.filter(model_version_id=study.model_version_id, case__study_entries__study=study)
            .values("status").annotate(n=Count("pk")))
    summary = {row["status"]: row["n"] for row in rows}
    summary["missing"] = study.study_cases.count() - sum(summary.values())
    return summary


@login_required
def study_list(request):
    require_coordinator(request)
    studies = services.studies_for(request.user)
    if not request.user.is_superuser:
        studies = studies.filter(coordinators=request.user)
    studies = studies.annotate(n_cases=Count("study_cases", distinct=True),
                               n_readers=Count("enrolments", distinct=True))
    return render(request, "studies/coordinator_studies.html", {"studies": studies})


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def study_create(request):
    require_coordinator(request)
    services.check_can_create_study(request.user)
    form = StudyConfigForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        config = form.config()
        name = config.pop("name")
        try:
            study = services.do_create_study(request.user, name=name, **config)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"Study “{study.name}” created as a draft. Now choose its cases.")
            return redirect("studies:study_cases", study_pk=study.pk)
    return render(request, "studies/study_form.html", {"form": form, "study": None})


@login_required
def study_configure(request, study_pk: int):
    study = coordinated_study(request.user, study_pk)
    form = StudyConfigForm(request.POST or None, instance=ReaderStudy.objects.get(pk=study.pk))
    if request.method == "POST" and form.is_valid():
        changes = form.config()
        try:
            if changes:
                services.do_configure_study(request.user, study, reason=form.cleaned_data.get("reason", ""),
                                            **changes)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Configuration saved." if changes else "Nothing changed.")
            return redirect("studies:study_detail", study_pk=study.pk)
    return render(request, "studies/study_form.html", {"form": form, "study": study})


@login_required
def study_detail(request, study_pk: int):
    study = coordinated_study(request.user, study_pk)
    context = {
        "study": study, "n_cases": study.study_cases.count(),
        "enrolments": study.enrolments.select_related("reader", "reader__reader_profile"),
        "statistics_url": statistics_url(study), "inference": inference_summary(study),
        "audit_url": reverse("studies:audit_log") + f"?study={study.pk}",
    }
    return render(request, "studies/study_detail.html", context)


@login_required
@require_POST
def study_status(request, study_pk: int, action: str):
    """Open a draft for reading, or close an open study."""
    study = coordinated_study(request.user, study_pk)
    do = {"open": services.do_open_study, "close": services.do_close_study}[action]
    try:
        do(request.user, study)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Study {'opened for reading' if action == 'open' else 'closed'}.")
    return redirect("studies:study_detail", study_pk=study.pk)


@login_required
def study_progress(request, study_pk: int):
    study = coordinated_study(request.user, study_pk)
    rows = services.study_progress(request.user, study)
    for row in rows:
        for session in row["sessions"]:
            session["percent"] = round(100 * session["locked"] / session["total"]) if session["total"] else 0
    return render(request, "studies/study_progress.html", {"study": study, "rows": rows})
