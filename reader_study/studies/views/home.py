"""The landing page: coordinators go to their studies, readers to theirs."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from reader_study.studies import access


@login_required
def home(request):
    if access.is_coordinator(request.user):
        return redirect("studies:coordinator_studies")
    return redirect("studies:my_studies")
