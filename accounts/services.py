"""Writes for tenancy: settings, invitations, API tokens (area imports: accounts/areas.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, Invitation, Location, Membership, Role, User
from .normalize import normalize_login_identifier
from .permissions import Action, require, require_staff

INVITATION_SALT = "accounts.invitation"

# The invitation e-mail goes through the outbox, one layer up (notifications): it registers its
# sender at start-up (notifications.apps), so accounts imports no app above it.
_invitation_senders: list[Callable[..., None]] = []


def on_invitation_created(sender: Callable[..., None]) -> None:
    """`sender(invitation=…, link=…)` is called in the invitation's transaction."""
    if sender not in _invitation_senders:
        _invitation_senders.append(sender)


# --- Invitations ---------------------------------------------------------------------------
def invitation_create(*, location: Location, invited_by: User, email: str, role: str) -> tuple[Invitation, str]:
    """An owner invites a team member by e-mail; returns the invitation and its signed link."""
    require(invited_by, Action.INVITE, location)
    email = normalize_login_identifier(email)
    if Membership.objects.filter(location=location, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already on this Location's team."})
    with transaction.atomic():
        Invitation.objects.filter(location=location, email=email, accepted_at=None, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        invitation = Invitation.objects.create(location=location, email=email, role=role, invited_by=invited_by)
        link = invitation_link(invitation)
        for send in _invitation_senders:
            send(invitation=invitation, link=link)
    return invitation, link


def invitation_link(invitation: Invitation) -> str:
    from django.urls import reverse

    token = signing.dumps({"invitation": invitation.pk}, salt=INVITATION_SALT)
    return settings.PUBLIC_BASE_URL + reverse("invitation_accept", args=[token])


class InvitationInvalid(Exception):
    """The link is bad, expired, already used or revoked; the message says which."""


def invitation_from_token(token: str) -> Invitation:
    max_age = settings.INVITATION_MAX_AGE_DAYS * 86400
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise InvitationInvalid("This invitation has expired. Ask the owner to send a new one.")
    except signing.BadSignature:
        raise InvitationInvalid("This invitation link is not valid.")
    invitation = Invitation.objects.select_related("location").filter(pk=data.get("invitation")).first()
    if invitation is None:
        raise InvitationInvalid("This invitation link is not valid.")
    if invitation.accepted_at:
        raise InvitationInvalid("This invitation has already been used. Log in instead.")
    if invitation.revoked_at:
        raise InvitationInvalid("This invitation was withdrawn or replaced by a newer one.")
    return invitation


def invitation_accept(*, token: str, password: str | None, full_name: str = "", user: User | None = None) -> User:
    """Joins the team: creates the invitee's account (or uses the logged-in one) once only."""
    with transaction.atomic():
        invitation = invitation_from_token(token)
        # Claim the invitation: a concurrent second use finds it accepted and fails.
        claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None).update(
            accepted_at=timezone.now()
        )
        if not claimed:
            raise InvitationInvalid("This invitation has already been used. Log in instead.")
        if user is None or not user.is_authenticated:
            user = User.objects.filter(email__iexact=invitation.email).first()
            if user is None:
                user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name)
            elif password:
                raise InvitationInvalid("You already have an account: log in, then open the link again.")
        elif normalize_login_identifier(user.email) != normalize_login_identifier(invitation.email):
            raise InvitationInvalid(f"This invitation is for {invitation.email}; you are logged in as {user.email}.")
        Membership.objects.update_or_create(user=user, location=invitation.location, defaults={"role": invitation.role})
        Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
    return user


def invitation_revoke(*, invitation: Invitation, actor: User) -> None:
    """An owner withdraws a pending invitation; its link then says so."""
    require(actor, Action.MANAGE_TEAM, invitation.location)
    Invitation.objects.filter(pk=invitation.pk, accepted_at=None).update(revoked_at=timezone.now())


def membership_remove(*, location: Location, actor: User, membership: Membership) -> None:
    require(actor, Action.MANAGE_TEAM, location)
    if membership.user_id == actor.id:
        raise ValidationError("You cannot remove yourself; ask another owner or the call center.")
    membership.delete()


def membership_set_role(*, location: Location, actor: User, membership: Membership, role: str) -> Membership:
    """An owner changes a team member's role (the audit trail records before → after)."""
    require(actor, Action.MANAGE_TEAM, location)
    if role not in Role.values:
        raise ValidationError({"role": f"“{role}” is not a role."})
    if membership.user_id == actor.id:
        raise ValidationError("You cannot change your own role; ask another owner or the call center.")
    Membership.objects.filter(pk=membership.pk).exclude(role=role).update(role=role)
    membership.role = role
    return membership


# --- Settings ------------------------------------------------------------------------------
def location_update_settings(*, location: Location, actor: User, form) -> Location:
    """Owner edits of contact numbers, address, notification addresses, distribution list, and
    whether the team must use two-factor sign-in (their open sessions then re-read the policy)."""
    require(actor, Action.CHANGE_SETTINGS, location)
    form.instance.check_recipient_caps()
    form.save()
    if "require_two_factor" in form.changed_data and location.require_two_factor:
        from .two_factor import location_policy_tightened

        location_policy_tightened(location=location)
    return location


def location_regenerate_calendar_secret(*, location: Location, actor: User) -> str:
    import secrets

    require(actor, Action.CHANGE_CALENDAR_FEED, location)
    location.calendar_secret = secrets.token_urlsafe()
    location.save(update_fields=["calendar_secret"])
    return location.calendar_secret


def locations_deactivate(*, locations, actor: User) -> int:
    """Staff take Locations out of service in bulk (their data is kept); returns how many
    changed."""
    require_staff(actor)
    return Location.objects.filter(pk__in=[location.pk for location in locations], is_active=True).update(
        is_active=False
    )


# --- API tokens ----------------------------------------------------------------------------
def api_token_issue_for_owner(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Owners issue `location` tokens, limited to the Locations they own."""
    if not Membership.objects.filter(user=actor, role="owner").exists():
        raise ValidationError("Only owners may create API tokens.")
    return ApiToken.issue(user=actor, name=name, scope=ApiToken.Scope.LOCATION)


def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    """A user revokes their own tokens (Settings); staff revoke anyone's (admin's bulk action)."""
    if token.user_id != getattr(actor, "pk", None):
        require_staff(actor, "Only call-center admins may revoke another user's API token.")
    ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())


def user_set_mobile(*, user, mobile: str) -> None:
    """A user's own mobile (E.164 or empty): where portal.urgent texts urgent items nobody
    acknowledged. Each user changes only their own."""
    User.objects.filter(pk=user.pk).update(mobile=mobile)
    user.mobile = mobile
