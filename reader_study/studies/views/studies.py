"""Study lists (placeholder until PROTOCOL's models land)."""
from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from .common import CoordinatorRequiredMixin


class MyStudiesView(LoginRequiredMixin, TemplateView):
    template_name = "studies/my_studies.html"


class CoordinatorStudiesView(CoordinatorRequiredMixin, TemplateView):
    template_name = "studies/coordinator_studies.html"
