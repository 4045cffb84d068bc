"""Coordinator pages that fill a study: choose cases (filter by cohort / true class) and enrol readers."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from reader_study.cases.models import Case, CaseTruth

from .. import services
from ..forms import CaseFilterForm, EnrolForm
from .coordinator import coordinated_study


def _filtered_cases(form: CaseFilterForm):
    """Cases matching the filter, with their truth (coordinators may see it) for the table."""
    cases = Case.objects.all().order_by("case_id")
    if form.is_valid():
        if form.cleaned_data["cohort"]:
            cases = cases.filter(cohort=form.cleaned_data["cohort"])
        if form.cleaned_data["tumour_class"]:
            truth_ids = CaseTruth.objects.filter(tumour_class=form.cleaned_data["tumour_class"]).values("case_id")
            cases = cases.filter(pk__in=truth_ids)
    return cases


@login_required
def study_cases(request, study_pk: int):
    """GET lists cases (filtered); POST replaces the study's case list with the ticked ones (drafts only)."""
    study = coordinated_study(request.user, study_pk)
    if request.method == "POST":
        ids = [int(pk) for pk in request.POST.getlist("cases") if pk.isdigit()]
        try:
            services.do_set_cases(request.user, study, Case.objects.filter(pk__in=ids))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"The study now has {study.study_cases.count()} cases.")
        return redirect("studies:study_cases", study_pk=study.pk)
    form = CaseFilterForm(request.GET or None)
    cases = list(_filtered_cases(form))
    truths = {t.case_id: t for t in CaseTruth.objects.filter(case_id__in=[c.pk for c in cases])}
    chosen = dict(study.study_cases.values_list("case_id", "key"))
    rows = [{"case": c, "truth": truths.get(c.pk), "key": chosen.get(c.pk)} for c in cases]
    editable = study.status == study.Status.DRAFT and not study.is_locked
    context = {"study": study, "form": form, "rows": rows, "editable": editable, "n_chosen": len(chosen),
               "hidden_chosen": [pk for pk in chosen if pk not in {c.pk for c in cases}]}
    return render(request, "studies/study_cases.html", context)


@login_required
def study_readers(request, study_pk: int):
    """Enrolled readers with their experience; POST enrols one more."""
    study = coordinated_study(request.user, study_pk)
    form = EnrolForm(request.POST or None, study=study)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_enrol_reader(request.user, study, form.cleaned_data["reader"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{form.cleaned_data['reader'].username} enrolled.")
        return redirect("studies:study_readers", study_pk=study.pk)
    enrolments = study.enrolments.select_related("reader", "reader__reader_profile")
    return render(request, "studies/study_readers.html", {"study": study, "form": form, "enrolments": enrolments})
