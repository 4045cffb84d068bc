"""Coordinator pages for submitted reads: the list per study and amendments (a correction with a reason).

The read itself never changes; ``do_amend_read`` records an Amendment with
before, after and reason, and the audit trail keeps both.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from .. import services
from ..answers import CLASS_KEYS, ReadAnswersForm, form_data_from_answers
from ..models import Read, ReaderStudy
from .coordinator import coordinated_study
from .reading import FIVE_POINT_LABELS


@login_required
def study_reads(request, study_pk: int):
    study = coordinated_study(request.user, study_pk)
    reads = (Read.objects.filter(study=study).select_related("reader", "case", "session")
             .prefetch_related("amendments").order_by("reader__username", "session__number", "started_at"))
    keys = dict(study.study_cases.values_list("case_id", "key"))
    rows = [{"read": read, "key": keys.get(read.case_id, ""), "answers": services.effective_answers(read),
             "amended": len(read.amendments.all())} for read in reads]
    return render(request, "studies/study_reads.html", {"study": study, "rows": rows})


@login_required
def amend_read(request, study_pk: int, read_pk: int):
    study = coordinated_study(request.user, study_pk)
    read = get_object_or_404(Read.objects.select_related("reader", "case"), pk=read_pk, study=study)
    current = services.effective_answers(read)
    if request.method == "POST":
        form = ReadAnswersForm(request.POST, confidence_scale=study.confidence_scale)
    else:
        form = ReadAnswersForm(initial=form_data_from_answers(current) if current else None,
                               confidence_scale=study.confidence_scale)
    reason = request.POST.get("reason", "").strip()
    if request.method == "POST" and form.is_valid():
        try:
            services.do_amend_read(request.user, read, form.answers(), reason)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, f"Amendment of read {read.pk} recorded; the original read is kept.")
            return redirect("studies:study_reads", study_pk=study.pk)
    context = {
        "study": study, "read": read, "form": form, "current": current, "reason": reason, "amend": True,
        "amendments": read.amendments.select_related("by"), "submit_url": request.path,
        "class_confidence_fields": [form[f"class_confidence_{key}"] for key in CLASS_KEYS],
        "five_point": study.confidence_scale == ReaderStudy.ConfidenceScale.FIVE_POINT,
        "five_point_choices": list(enumerate(FIVE_POINT_LABELS, start=1)),
    }
    return render(request, "studies/amend_read.html", context, status=400 if form.errors else 200)
