"""Signed-in sessions (issue #14): listed for the user, "sign out everywhere else", and a
password change signs out the other sessions."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.models import UserSession
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _signed_in(user, agent: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_sessions_page_lists_the_users_own_sessions(tenant_a):
    laptop = _signed_in(tenant_a.owner, "Laptop Firefox")
    _signed_in(tenant_a.owner, "Phone Safari")
    _signed_in(tenant_a.viewer, "Someone Else's Browser")
    html = laptop.get("/accounts/sessions/").content.decode()
    assert "Laptop Firefox <span class=\"badge\">this session</span>" in html and "Phone Safari" in html
    assert "Someone Else" not in html


def test_sign_out_everywhere_else_keeps_this_session_only(tenant_a):
    laptop = _signed_in(tenant_a.owner, "Laptop")
    phone = _signed_in(tenant_a.owner, "Phone")
    viewer = _signed_in(tenant_a.viewer, "Viewer")
    response = laptop.post("/accounts/sessions/sign-out-others/")
    assert response.status_code == 302
    assert laptop.get("/dashboard/").status_code == 200
    assert phone.get("/dashboard/").url.startswith("/accounts/login/")
    assert viewer.get("/dashboard/").status_code == 200, "another user's sessions are untouched"
    assert list(UserSession.objects.filter(user=tenant_a.owner).values_list("user_agent", flat=True)) == ["Laptop"]


def test_a_password_change_signs_out_the_other_sessions(tenant_a):
    laptop = _signed_in(tenant_a.owner, "Laptop")
    phone = _signed_in(tenant_a.owner, "Phone")
    phone_key = phone.cookies["sessionid"].value
    new = "a-much-longer-pass-2030"
    data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    response = laptop.post("/accounts/password/change/", data)
    assert response.status_code == 302
    assert laptop.get("/dashboard/").status_code == 200
    assert not Session.objects.filter(session_key=phone_key).exists(), "deleted, not only invalidated"
    assert phone.get("/dashboard/").url.startswith("/accounts/login/")


def test_logging_out_forgets_the_session(tenant_a):
    laptop = _signed_in(tenant_a.owner, "Laptop")
    laptop.post("/accounts/logout/")
    assert not UserSession.objects.filter(user=tenant_a.owner).exists()


def test_settings_lists_the_owners_sessions_with_sign_out_everywhere_else(tenant_a):
    laptop = _signed_in(tenant_a.owner, "Laptop Firefox")
    _signed_in(tenant_a.owner, "Phone Safari")
    html = laptop.get(f"/settings/{tenant_a.location.pk}/").content.decode()
    assert "Laptop Firefox" in html and "Phone Safari" in html and "· this session" in html
    assert 'action="/accounts/sessions/sign-out-others/"' in html
