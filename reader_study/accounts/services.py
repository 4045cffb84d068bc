"""Account services: create reader accounts and invite them with a set-password link.

The link uses Django's ``PasswordResetTokenGenerator``: the token is bound to
the user's password hash and last login, so it stops working once used.
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from reader_study.audit.services import record


def set_password_path(user) -> str:
    """Return the site-relative set-password URL of ``user`` (valid until the password changes)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})


@transaction.atomic
def create_reader_account(
    *, username: str, email: str = "", first_name: str = "", last_name: str = "",
    password: str | None = None, actor: Any = None,
):
    """Create an active, non-staff account; without ``password`` it is unusable until the invitation is used."""
    user = get_user_model()(username=username, email=email, first_name=first_name, last_name=last_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record("account.created", user, actor=actor,
           after={"username": username, "email": email, "invited": not password})
    return user


def send_invitation(user, *, base_url: str, actor: Any = None) -> None:
    """E-mail ``user`` a link to choose a password (console back end in the demo); audited."""
    link = base_url.rstrip("/") + set_password_path(user)
    body = (
        f"Hello {user.get_full_name() or user.username},\n\n"
        "You have been invited to a liver CT reader study.\n"
        f"Your username is: {user.username}\n"
        f"Choose your password here (the link works once): {link}\n\n"
        "SYNTHETIC DATA - NOT FOR CLINICAL USE (demo installations)\n"
    )
    send_mail("Invitation to a liver CT reader study", body, None, [user.email])
    record("account.invited", user, actor=actor, after={"email": user.email})
