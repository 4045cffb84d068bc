"""Forms of the accounts app: throttled login, reader creation and invitation."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from . import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing a (username, IP) pair that failed too often."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": "Too many failed logins. Try again after %(until)s UTC.",
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip_address = throttle.client_ip(self.request)
        until = throttle.locked_until(username, ip_address)
        if until is not None:
            raise self._locked_error(until)
        try:
            cleaned = super().clean()
        except ValidationError:
            if username:
                row = throttle.register_failure(username, ip_address)
                if row.locked_until and row.failures == 0:
                    raise self._locked_error(row.locked_until) from None
            raise
        throttle.reset(username, ip_address)
        return cleaned

    def _locked_error(self, until) -> ValidationError:
        local = until.astimezone(dt.UTC)
        return ValidationError(
            self.error_messages["locked"], code="locked", params={"until": local.strftime("%Y-%m-%d %H:%M")}
        )


class ReaderAccountForm(forms.Form):
    """A coordinator creates a reader account, either with a password or by e-mail invitation."""

    EXPERIENCE_CHOICES = [("junior", "Junior"), ("senior", "Senior")]

    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False, help_text="Required for an invitation.")
    experience = forms.ChoiceField(choices=EXPERIENCE_CHOICES)
    years_of_experience = forms.IntegerField(min_value=0, max_value=60, required=False)
    invite = forms.BooleanField(
        required=False, initial=True, help_text="Send a set-password link by e-mail instead of setting a password."
    )
    password = forms.CharField(widget=forms.PasswordInput, required=False, strip=False)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError("A user with this username already exists.", code="duplicate_username")
        return username

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("invite"):
            if not cleaned.get("email"):
                self.add_error("email", "An invitation needs an e-mail address.")
        elif not cleaned.get("password"):
            self.add_error("password", "Set a password, or tick 'invite' to send a set-password link.")
        elif cleaned.get("username"):
            user = get_user_model()(username=cleaned["username"], email=cleaned.get("email") or "",
                                    first_name=cleaned.get("first_name", ""), last_name=cleaned.get("last_name", ""))
            try:
                password_validation.validate_password(cleaned["password"], user)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned
