"""The reading page: viewer + answer form, the AI panel in aided reads, heartbeats and submission.

Opening the page starts the read (idempotent, protocol-checked, audited): the
start time of a read is when its images were first shown. Answers are checked
by PROTOCOL's ``ReadAnswersForm`` and locked by ``do_submit_read``.
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.views.decorators.http import require_POST

from reader_study.protocol import Arm, ProtocolError

from .. import services
from ..answers import CLASS_KEYS, ReadAnswersForm
from ..models import Read, ReaderStudy, StudyCase
from .ai_panel import ai_context
from .reader import enrolled_study, item_url, refusal

VIEWER_TEMPLATE = "viewer/embed.html"
FIVE_POINT_LABELS = ["very low", "low", "moderate", "high", "very high"]


def _viewer_template() -> str | None:
    """The viewer's include once VIEWER ships it; a placeholder is shown until then."""
    try:
        get_template(VIEWER_TEMPLATE)
    except TemplateDoesNotExist:
        return None
    return VIEWER_TEMPLATE


def _study_case(study: ReaderStudy, key: str, arm: str) -> StudyCase:
    if arm not in {a.value for a in Arm}:
        raise Http404("Unknown arm.")
    return get_object_or_404(StudyCase.objects.select_related("case"), study=study, key=key)


def _next_url(read: Read, study: ReaderStudy) -> str | None:
    """The next unlocked read of the session in the reader's order, if any."""
    remaining = [item for item in services.worklist(read.session) if item.status != "submitted"]
    return item_url(study, remaining[0].case_key, remaining[0].arm) if remaining else None


def _context(request, study: ReaderStudy, study_case: StudyCase, read: Read, form: ReadAnswersForm) -> dict:
    items = services.worklist(read.session)
    position = next((i.position for i in items if i.case_id == study_case.case_id and i.arm == read.arm), None)
    ai = ai_context(request.user, read) if read.arm == Arm.AIDED else None
    notes = list(study_case.case.clinical_notes.all()) if study.show_clinical_notes else []
    return {
        "study": study, "study_case": study_case, "case": study_case.case, "arm": read.arm, "read": read,
        "session": read.session, "form": form, "position": position, "total": len(items),
        "class_confidence_fields": [form[f"class_confidence_{key}"] for key in CLASS_KEYS],
        "five_point": study.confidence_scale == ReaderStudy.ConfidenceScale.FIVE_POINT,
        "five_point_choices": list(enumerate(FIVE_POINT_LABELS, start=1)),
        "ai": ai, "show_overlays": bool(ai and ai.get("overlays")), "clinical_notes": notes,
        "viewer_template": _viewer_template(), "next_url": _next_url(read, study) if read.locked else None,
        "submit_url": request.path,
        "heartbeat_url": reverse("studies:read_heartbeat", kwargs={"read_pk": read.pk}),
    }


@login_required
def read_case(request, study_pk: int, key: str, arm: str):
    """GET shows the case (starting or resuming the read); POST submits and locks the answers."""
    study = enrolled_study(request.user, study_pk)
    study_case = _study_case(study, key, arm)
    try:
        read = services.do_start_read(study, request.user, study_case.case, arm)
    except ProtocolError as error:
        return refusal(request, study, error, title=f"Case {key} ({arm}) cannot be read now")
    form = ReadAnswersForm(request.POST or None, confidence_scale=study.confidence_scale)
    if request.method == "POST" and not read.locked:
        response = _submit(request, study, read, form)
        if response is not None:
            return response
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "studies/reading.html", _context(request, study, study_case, read, form), status=status)


def _submit(request, study: ReaderStudy, read: Read, form: ReadAnswersForm):
    """Lock the read when the answers are valid; return a redirect, a refusal, or None to re-render."""
    if not form.is_valid():
        return None
    _record_final_time(request, read)
    try:
        read = services.do_submit_read(request.user, read, form.answers())
    except ProtocolError as error:
        return refusal(request, study, error, title="The read could not be submitted")
    except ValidationError as error:
        form.add_error(None, error.messages)
        return None
    return redirect(_next_url(read, study) or reverse("studies:worklist", args=[study.pk, read.session.number]))


def _record_final_time(request, read: Read) -> None:
    """Add the active time since the last heartbeat (bounded by the service)."""
    try:
        total = float(request.POST.get("active_seconds") or 0)
    except ValueError:
        return
    if total > read.active_seconds:
        services.do_record_heartbeat(request.user, read, total - read.active_seconds)
        read.refresh_from_db()


@login_required
@require_POST
def heartbeat(request, read_pk: int):
    """Add visible, non-idle time reported by the page; only the reader's own unlocked reads."""
    read = get_object_or_404(Read, pk=read_pk, reader=request.user)
    try:
        seconds = float(request.POST.get("active_seconds", "0"))
    except ValueError:
        return JsonResponse({"error": "active_seconds must be a number"}, status=400)
    try:
        read = services.do_record_heartbeat(request.user, read, seconds)
    except PermissionDenied:
        raise Http404 from None
    return JsonResponse({"active_seconds": round(read.active_seconds, 1), "locked": read.locked})
