"""Consensus reads of the challenging-case mode: a group of enrolled readers gives one joint answer per case,
unaided first and then aided (clinical notes shown when the study allows). Rules: PROTOCOL's consensus service.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from reader_study.protocol import Arm, ProtocolError

from .. import services
from ..answers import CLASS_KEYS, ReadAnswersForm
from ..models import ConsensusRead, ReaderStudy, StudyCase
from ..services.consensus import readers_group_name
from .ai_panel import panel
from .coordinator import coordinated_study
from .reader import refusal
from .reading import FIVE_POINT_LABELS, _viewer_template


def _group(study: ReaderStudy, request) -> list:
    """The enrolled readers named by ``?readers=`` (unknown ids are ignored; the service checks the group)."""
    ids = [int(pk) for pk in request.GET.getlist("readers") if pk.isdigit()]
    enrolments = study.enrolments.select_related("reader").filter(reader_id__in=ids)
    return [e.reader for e in enrolments]


def _consensus_url(study: ReaderStudy, key: str, arm: str, group: list) -> str:
    query = urlencode([("readers", r.pk) for r in group])
    return reverse(f"studies:consensus_{arm}", kwargs={"study_pk": study.pk, "key": key}) + f"?{query}"


@login_required
def consensus_list(request, study_pk: int):
    """Choose the group; see which cases have its unaided / aided consensus."""
    study = coordinated_study(request.user, study_pk)
    group = _group(study, request)
    name = readers_group_name(group) if len(group) >= 2 else ""
    done = set(ConsensusRead.objects.filter(study=study, group_name=name).values_list("case_id", "arm"))
    rows = [{"key": sc.key, "case": sc.case,
             "arms": [{"arm": arm, "done": (sc.case_id, arm) in done, "url": _consensus_url(study, sc.key, arm, group)}
                      for arm in (Arm.UNAIDED.value, Arm.AIDED.value)]}
            for sc in study.study_cases.select_related("case")] if name else []
    context = {"study": study, "enrolments": study.enrolments.select_related("reader"), "group": group,
               "group_name": name, "rows": rows,
               "recorded": ConsensusRead.objects.filter(study=study).select_related("case", "recorded_by")}
    return render(request, "studies/consensus_list.html", context)


@login_required
def consensus_read(request, study_pk: int, key: str, arm: str):
    """GET shows the case to the group; POST records and locks its joint answer."""
    study = get_object_or_404(services.studies_for(request.user), pk=study_pk)
    study_case = get_object_or_404(StudyCase.objects.select_related("case"), study=study, key=key)
    group = _group(study, request)
    try:
        services.check_can_submit_consensus(request.user, study, group, study_case.case, arm)
    except ProtocolError as error:
        return refusal(request, study, error, title=f"Consensus on case {key} ({arm}) cannot be recorded now",
                       back_url=reverse("studies:study_consensus", args=[study.pk]))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("studies:study_consensus", study_pk=study.pk)
    form = ReadAnswersForm(request.POST or None, confidence_scale=study.confidence_scale)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_submit_consensus(request.user, study, readers=group, case=study_case.case, arm=arm,
                                         answers=form.answers())
        except ProtocolError as error:
            return refusal(request, study, error, title="The consensus could not be recorded",
                           back_url=reverse("studies:study_consensus", args=[study.pk]))
        messages.success(request, f"Consensus ({arm}) on case {key} recorded and locked.")
        return redirect(reverse("studies:study_consensus", args=[study.pk]) + "?" +
                        urlencode([("readers", r.pk) for r in group]))
    return render(request, "studies/consensus_read.html", _context(request, study, study_case, arm, group, form),
                  status=400 if form.errors else 200)


def _context(request, study, study_case, arm, group, form) -> dict:
    ai = None
    if arm == Arm.AIDED:
        payload = services.consensus_ai_payload(request.user, study, readers=group, case=study_case.case)
        ai = panel(payload, services.ai_result_for(study, study_case.case))
    return {
        "study": study, "study_case": study_case, "case": study_case.case, "arm": arm, "form": form,
        "group": group, "group_name": readers_group_name(group), "ai": ai,
        "show_overlays": bool(ai and ai.get("overlays")), "viewer_template": _viewer_template(),
        "clinical_notes": list(study_case.case.clinical_notes.all()) if study.show_clinical_notes else [],
        "class_confidence_fields": [form[f"class_confidence_{key}"] for key in CLASS_KEYS],
        "five_point": study.confidence_scale == ReaderStudy.ConfidenceScale.FIVE_POINT,
        "five_point_choices": list(enumerate(FIVE_POINT_LABELS, start=1)), "submit_url": request.get_full_path(),
    }
