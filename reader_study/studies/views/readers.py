"""Reader accounts (coordinators): list, create with a password, or invite by e-mail."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView

from reader_study.accounts import services as account_services
from reader_study.accounts.forms import ReaderAccountForm

from . import profiles
from .common import CoordinatorRequiredMixin, base_url


class ReaderListView(CoordinatorRequiredMixin, FormView):
    """All reader accounts, with the form to add one."""

    template_name = "studies/readers.html"
    form_class = ReaderAccountForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        readers = get_user_model().objects.filter(is_staff=False, is_superuser=False).order_by("username")
        context["readers"] = [(user, profiles.reader_experience(user)) for user in readers]
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        with transaction.atomic():
            user = account_services.create_reader_account(
                username=data["username"], email=data.get("email") or "", first_name=data.get("first_name") or "",
                last_name=data.get("last_name") or "", password=None if data["invite"] else data["password"],
                actor=self.request.user,
            )
            profiles.set_reader_experience(
                user, data["experience"], data.get("years_of_experience"), actor=self.request.user
            )
            if data["invite"]:
                account_services.send_invitation(user, base_url=base_url(self.request), actor=self.request.user)
        verb = "invited by e-mail" if data["invite"] else "created"
        messages.success(self.request, f"Reader {user.username} {verb}.")
        return redirect("studies:readers")


class ResendInvitationView(CoordinatorRequiredMixin, View):
    """Send a fresh set-password link to a reader who has not chosen a password yet (links expire)."""

    def post(self, request, pk: int):
        user = get_user_model().objects.filter(pk=pk, is_staff=False, is_superuser=False).first()
        if user is None or user.has_usable_password() or not user.email:
            messages.error(request, "Only invited readers who have not chosen a password can be invited again.")
        else:
            account_services.send_invitation(user, base_url=base_url(request), actor=request.user)
            messages.success(request, f"Invitation sent again to {user.email}.")
        return redirect("studies:readers")
