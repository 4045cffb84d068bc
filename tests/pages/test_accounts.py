"""Login, throttling of failed logins, logout, reader creation and the invitation flow."""
from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from reader_study.accounts import throttle
from reader_study.audit.models import AuditEvent

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_page_renders_with_banner_and_csrf(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"SYNTHETIC DATA - NOT FOR CLINICAL USE" in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_login_succeeds_and_is_audited(client, reader):
    response = _login(client, "reader1", PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.login", actor=reader).exists()


def test_login_form_enforces_csrf(reader):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "reader1", "password": PASSWORD})
    assert response.status_code == 403


def test_five_failures_lock_the_username_from_that_ip(client, reader, move_clock):
    for _ in range(throttle.MAX_FAILURES):
        assert _login(client, "reader1", "wrong").status_code == 200
    response = _login(client, "reader1", PASSWORD)
    assert response.status_code == 200
    assert b"Too many failed logins" in response.content
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_locked").count() == 1
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == throttle.MAX_FAILURES
    # Another IP is not locked, and the lock ends after 15 minutes.
    assert _login(client.__class__(), "reader1", PASSWORD, ip="10.0.0.2").status_code == 302
    assert b"Too many failed logins" in _login(client, "READER1", PASSWORD).content  # same counter, any case
    move_clock(minutes=16)
    assert _login(client, "reader1", PASSWORD).status_code == 302


def test_success_resets_the_failure_count(client, reader):
    for _ in range(throttle.MAX_FAILURES - 1):
        _login(client, "reader1", "wrong")
    assert _login(client, "reader1", PASSWORD).status_code == 302
    client.logout()
    for _ in range(throttle.MAX_FAILURES - 1):
        _login(client, "reader1", "wrong")
    assert _login(client, "reader1", PASSWORD).status_code == 302


def test_logout_needs_post_and_is_audited(reader_client, reader):
    response = reader_client.post(reverse("logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor=reader).exists()
    assert reader_client.get(reverse("studies:my_studies")).status_code == 302


def test_reader_cannot_open_reader_management(reader_client):
    assert reader_client.get(reverse("studies:readers")).status_code == 403
    response = reader_client.post(reverse("studies:readers"), {"username": "x", "experience": "junior"})
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="x").exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("studies:readers"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_coordinator_creates_reader_with_validated_password(coordinator_client):
    weak = {"username": "newreader", "experience": "junior", "password": "123", "invite": ""}
    response = coordinator_client.post(reverse("studies:readers"), weak)
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="newreader").exists()
    strong = {**weak, "password": "another-long-passphrase-7"}
    assert coordinator_client.post(reverse("studies:readers"), strong).status_code == 302
    user = get_user_model().objects.get(username="newreader")
    assert user.check_password("another-long-passphrase-7") and not user.is_staff
    assert AuditEvent.objects.filter(action="account.created", object_id=str(user.pk)).exists()


def test_invitation_sends_a_one_time_set_password_link(coordinator_client, client):
    data = {"username": "invited", "email": "invited@example.org", "experience": "senior", "invite": "on"}
    assert coordinator_client.post(reverse("studies:readers"), data).status_code == 302
    user = get_user_model().objects.get(username="invited")
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["invited@example.org"]
    path = re.search(r"https?://[^/]+(/accounts/set-password/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200 and b"Choose your password" in form_page.content
    set_url = form_page.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "password", "new_password2": "password"})
    assert weak.status_code == 200  # Django's validators refuse a common password
    done = client.post(set_url, {"new_password1": "my-new-passphrase-9", "new_password2": "my-new-passphrase-9"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("my-new-passphrase-9")
    assert AuditEvent.objects.filter(action="account.password_set", object_id=str(user.pk)).exists()
    again = client.get(path, follow=True)
    assert b"Link no longer valid" in again.content


def test_invitation_needs_an_email(coordinator_client):
    data = {"username": "noemail", "experience": "junior", "invite": "on"}
    response = coordinator_client.post(reverse("studies:readers"), data)
    assert response.status_code == 200
    assert b"An invitation needs an e-mail address" in response.content
    assert not get_user_model().objects.filter(username="noemail").exists()


def test_coordinator_resends_an_invitation_with_a_fresh_link(coordinator_client):
    data = {"username": "late", "email": "late@example.org", "experience": "junior", "invite": "on"}
    coordinator_client.post(reverse("studies:readers"), data)
    user = get_user_model().objects.get(username="late")
    assert coordinator_client.post(reverse("studies:reader_invite", args=[user.pk])).status_code == 302
    assert len(mail.outbox) == 2 and "/accounts/set-password/" in mail.outbox[1].body
    assert AuditEvent.objects.filter(action="account.invited", object_id=str(user.pk)).count() == 2


def test_no_invitation_for_readers_with_a_password(coordinator_client, reader, client):
    assert coordinator_client.post(reverse("studies:reader_invite", args=[reader.pk])).status_code == 302
    assert mail.outbox == []
    client.force_login(reader)
    assert client.post(reverse("studies:reader_invite", args=[reader.pk])).status_code == 403
