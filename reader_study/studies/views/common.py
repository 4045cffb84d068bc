"""Shared helpers of the HTML pages: role checks (delegating to ``access``) and small utilities."""
from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from reader_study.studies import access


class CoordinatorRequiredMixin(LoginRequiredMixin):
    """Anonymous users go to the login page; logged-in non-coordinators get 403."""

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        if request.user.is_authenticated and not access.is_coordinator(request.user):
            raise PermissionDenied("Only study coordinators may open this page.")
        return super().dispatch(request, *args, **kwargs)


def require_coordinator(request: HttpRequest) -> None:
    """Raise 403 unless the user is a coordinator (for function views behind ``login_required``)."""
    if not access.is_coordinator(request.user):
        raise PermissionDenied("Only study coordinators may open this page.")


def base_url(request: HttpRequest) -> str:
    """Return scheme://host of the request, for links in e-mails."""
    return request.build_absolute_uri("/")
