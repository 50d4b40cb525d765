"""One normalisation of the login identifier (#9 item 4): login, the lockout key, password reset
and invitations all read an e-mail the same way, so a variant of the address gets no extra
guesses and cannot log in once the account is locked out."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.normalize import normalize_login_identifier
from tests.factories import PASSWORD, UserFactory


def _variants(email: str) -> list[str]:
    local, domain = email.split("@")
    return [email.capitalize(), local[0] + local[1:].capitalize() + "@" + domain, " " + email, email.upper() + "  "]


@pytest.mark.parametrize(
    "raw, expected",
    [(" Viewer@Demo.TEST ", "viewer@demo.test"), ("vIewer@demo.test", "viewer@demo.test"), ("", ""), (None, "")],
)
def test_login_identifiers_are_normalized(raw, expected):
    assert normalize_login_identifier(raw) == expected


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.django_db
def test_after_the_failure_limit_no_variant_gets_another_guess_or_logs_in(client, settings):
    user = UserFactory(email="viewer@demo.test")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.email, "wrong")
    for variant in [user.email, *_variants(user.email)]:
        assert _login(client, variant, "wrong").status_code == 429, repr(variant)
        assert _login(client, variant, PASSWORD).status_code == 429, repr(variant)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_failures_through_different_variants_add_up_to_one_lockout(client, settings):
    user = UserFactory(email="viewer@demo.test")
    variants = (_variants(user.email) * settings.AXES_FAILURE_LIMIT)[: settings.AXES_FAILURE_LIMIT]
    for variant in variants:
        _login(client, variant, "wrong")
    assert _login(client, user.email, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_any_variant_with_the_right_password_logs_in_before_a_lockout(client):
    user = UserFactory(email="viewer@demo.test")
    for variant in _variants(user.email):
        client.logout()
        assert _login(client, variant, PASSWORD).status_code == 302, repr(variant)
        assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_users_are_stored_with_the_normalized_address():
    from accounts.models import User

    assert User.objects.create_user(email="  Mixed.Case@Demo.TEST ", password=PASSWORD).email == "mixed.case@demo.test"


@pytest.mark.django_db
def test_password_reset_finds_the_user_through_a_variant(client):
    user = UserFactory(email="viewer@demo.test")
    response = client.post("/accounts/password/reset/", {"email": "  VIEWER@demo.test"})
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[user.email]]


@pytest.mark.django_db
def test_an_invitation_to_a_variant_is_for_the_same_person(tenant_a):
    from accounts.services import invitation_create

    invitation, _ = invitation_create(
        location=tenant_a.location, invited_by=tenant_a.owner, email=" NEW.Person@Example.TEST ", role="manager"
    )
    assert invitation.email == "new.person@example.test"


@pytest.mark.django_db
def test_a_user_added_in_admin_is_stored_with_the_normalized_address(staff):
    from django.contrib import admin
    from django.test import RequestFactory

    from accounts.models import User

    request = RequestFactory().get("/")
    request.user = staff
    form_class = admin.site._registry[User].get_form(request, None)
    password = "x-Secret-123456"
    data = {"email": "New.Person@Example.TEST", "password1": password, "password2": password, "usable_password": "true"}
    form = form_class(data)
    assert form.is_valid(), form.errors
    assert form.save().email == "new.person@example.test"
