"""Reader pages: my studies, my sessions, the worklist, and opening a session.

Every rule comes from PROTOCOL's services; a refusal is rendered with the
reasons and, where time decides, the date the session opens.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from reader_study.protocol import ProtocolError

from .. import services
from ..models import ReaderStudy, ReadingSession

STATE_LABELS = {"waiting": "Waiting", "available": "Open to start", "in_progress": "In progress",
                "completed": "Completed"}
ITEM_LABELS = {"to_do": "To read", "started": "Started", "submitted": "Submitted"}
ITEM_BADGES = {"to_do": "waiting", "started": "in_progress", "submitted": "locked"}


def enrolled_study(user, study_pk: int) -> ReaderStudy:
    """Return a study the user reads in (not a draft), else 404: other studies do not exist for them."""
    studies = services.studies_for(user).filter(enrolments__reader=user).exclude(status=ReaderStudy.Status.DRAFT)
    return get_object_or_404(studies, pk=study_pk)


def session_rows(study: ReaderStudy, user) -> list[dict]:
    """The reader's sessions with status, counts, opening date and the reasons it is still closed."""
    return [{
        "number": s.number, "state": s.state.value, "state_label": STATE_LABELS.get(s.state.value, s.state.value),
        "locked": s.locked, "total": s.total, "opens_at": s.opens_at, "message": s.message,
    } for s in services.reader_sessions(study, user)]


def refusal(request, study: ReaderStudy, error: ProtocolError, *, title: str, status: int = 403,
            back_url: str | None = None):
    """Render why an action is refused now, and when it will be allowed if time alone decides."""
    context = {"study": study, "title": title, "violations": error.violations, "opens_at": error.opens_at,
               "back_url": back_url or reverse("studies:reader_study", args=[study.pk])}
    return render(request, "studies/refusal.html", context, status=status)


@login_required
def my_studies(request):
    studies = services.studies_for(request.user).filter(enrolments__reader=request.user)
    rows = [{"study": study, "sessions": session_rows(study, request.user)}
            for study in studies.exclude(status=ReaderStudy.Status.DRAFT).order_by("name")]
    return render(request, "studies/my_studies.html", {"rows": rows})


@login_required
def reader_study(request, study_pk: int):
    study = enrolled_study(request.user, study_pk)
    return render(request, "studies/reader_study.html",
                  {"study": study, "sessions": session_rows(study, request.user)})


@login_required
@require_POST
def open_session(request, study_pk: int, number: int):
    study = enrolled_study(request.user, study_pk)
    try:
        services.do_open_session(study, request.user, number)
    except ProtocolError as error:
        return refusal(request, study, error, title=f"Session {number} is not open yet")
    return redirect("studies:worklist", study_pk=study.pk, number=number)


def item_url(study: ReaderStudy, key: str, arm: str) -> str:
    return reverse(f"studies:read_{arm}", kwargs={"study_pk": study.pk, "key": key})


def worklist_rows(study: ReaderStudy, session: ReadingSession) -> list[dict]:
    """The session's reads in the reader's stored order, with status and active time."""
    seconds = dict(session.reads.values_list("pk", "active_seconds"))
    return [{
        "position": item.position, "key": item.case_key, "arm": item.arm, "status": ITEM_BADGES[item.status],
        "status_label": ITEM_LABELS[item.status], "done": item.status == "submitted",
        "active_seconds": seconds.get(item.read_id), "url": item_url(study, item.case_key, item.arm),
    } for item in services.worklist(session)]


@login_required
def worklist(request, study_pk: int, number: int):
    study = enrolled_study(request.user, study_pk)
    session = ReadingSession.objects.filter(study=study, reader=request.user, number=number).first()
    if session is None:
        try:
            services.check_can_open_session(study, request.user, number)
        except ProtocolError as error:
            return refusal(request, study, error, title=f"Session {number} is not open yet")
        messages.info(request, f"Session {number} is open to start.")
        return redirect("studies:reader_study", study_pk=study.pk)
    items = worklist_rows(study, session)
    next_item = next((item for item in items if not item["done"]), None)
    context = {"study": study, "session": session, "items": items, "next_item": next_item,
               "done": sum(item["done"] for item in items)}
    return render(request, "studies/worklist.html", context)
