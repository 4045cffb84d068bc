"""Login (throttled), logout and set-password views: Django's auth views with our forms and audit."""
from __future__ import annotations

from django.contrib.auth import views as auth_views

from reader_study.audit.services import record

from .forms import ThrottledAuthenticationForm


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        record("auth.login", self.request.user, actor=self.request.user)
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            record("auth.logout", request.user, actor=request.user)
        return super().post(request, *args, **kwargs)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The invitation / reset link: the reader chooses a password (validated by Django's validators)."""

    template_name = "registration/set_password.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        record("account.password_set", form.user, actor=form.user)
        return response
