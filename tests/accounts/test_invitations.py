import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import Invitation, Membership, User


def _invite(client, tenant, email="new.person@example.test", role="manager"):
    client.force_login(tenant.owner)
    with_callbacks = client.post(
        reverse("invitation_create", args=[tenant.location.pk]), {"email": email, "role": role}
    )
    return with_callbacks


@pytest.mark.django_db
def test_owner_invites_and_invitee_sets_a_password(client, tenant_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert _invite(client, tenant_a).status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/invitation/" in line)
    path = link[link.index("/accounts/") :]
    client.logout()
    assert "Join Location A" in client.get(path).content.decode()
    response = client.post(
        path, {"full_name": "New Person", "new_password1": "a-long-pass-123", "new_password2": "a-long-pass-123"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.test")
    assert Membership.objects.get(user=user, location=tenant_a.location).role == "manager"
    # Reused link says so and changes nothing.
    client.logout()
    again = client.get(path)
    assert again.status_code == 410 and "already been used" in again.content.decode()


@pytest.mark.django_db
def test_expired_invitation_says_so(client, tenant_a):
    with time_machine.travel("2026-01-01 12:00Z", tick=False):
        invitation, link = services.invitation_create(
            location=tenant_a.location, invited_by=tenant_a.owner, email="late@example.test", role="viewer"
        )
    path = link[link.index("/accounts/") :]
    with time_machine.travel("2026-01-09 12:00Z", tick=False):
        response = client.get(path)
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert not User.objects.filter(email="late@example.test").exists()


@pytest.mark.django_db
def test_tampered_link_is_refused(client):
    response = client.get(reverse("invitation_accept", args=["not-a-real-token"]))
    assert response.status_code == 410 and "not valid" in response.content.decode()


@pytest.mark.django_db
def test_new_invitation_replaces_the_pending_one(tenant_a):
    _, first = services.invitation_create(
        location=tenant_a.location, invited_by=tenant_a.owner, email="x@example.test", role="viewer"
    )
    services.invitation_create(
        location=tenant_a.location, invited_by=tenant_a.owner, email="x@example.test", role="manager"
    )
    with pytest.raises(services.InvitationInvalid, match="withdrawn or replaced"):
        services.invitation_from_token(first.rsplit("/", 2)[-2])


@pytest.mark.django_db
def test_existing_user_joins_after_logging_in(client, tenant_a, tenant_b):
    _, link = services.invitation_create(
        location=tenant_a.location, invited_by=tenant_a.owner, email=tenant_b.viewer.email, role="viewer"
    )
    path = link[link.index("/accounts/") :]
    assert client.post(path).status_code == 302  # → login first
    client.force_login(tenant_b.viewer)
    assert client.post(path).status_code == 302
    assert Membership.objects.filter(user=tenant_b.viewer, location=tenant_a.location, role="viewer").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_only_owners_invite(client, tenant_a, role):
    client.force_login(tenant_a.user(role))
    response = client.post(
        reverse("invitation_create", args=[tenant_a.location.pk]), {"email": "a@b.test", "role": "viewer"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_inviting_a_current_member_gets_a_message(client, tenant_a):
    response = _invite(client, tenant_a, email=tenant_a.viewer.email)
    assert response.status_code == 400 and "already on this Location" in response.content.decode()


@pytest.mark.django_db
def test_owner_withdraws_an_invitation_and_its_link_says_so(client, tenant_a):
    invitation, link = services.invitation_create(
        location=tenant_a.location, invited_by=tenant_a.owner, email="maybe@example.test", role="viewer"
    )
    client.force_login(tenant_a.manager)
    assert client.post(f"/settings/invitations/{invitation.pk}/revoke/").status_code == 403
    client.force_login(tenant_a.owner)
    assert client.post(f"/settings/invitations/{invitation.pk}/revoke/").status_code == 302
    client.logout()
    response = client.get(link[link.index("/accounts/") :])
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
