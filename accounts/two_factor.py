"""Two-factor sign-in with django-otp (issue #14): a TOTP authenticator app set up at
/accounts/2fa/ with a QR code, ten single-use recovery codes (django-otp's static device), a code
step after the password, and who must use it:

- a user who set up a device: every sign-in asks for a code;
- everyone on the team of a Location that requires it: sent to set one up until they have;
- staff: /admin/ only opens in a session verified with a code (sent to set one up first).

The policy is computed at sign-in and kept in the session (no query per request); a change
that tightens it (a Location starts requiring it, a device is set up) updates the sessions."""

from __future__ import annotations

import re
import time
from enum import StrEnum

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from pronexis.locks import lock

from .models import Location, Membership, User
from .sessions import sessions_forget_key, sessions_sign_out_others

RECOVERY_CODE_COUNT = 10
POLICY_SESSION_KEY = "pnx_second_factor"
PENDING_SESSION_KEY = "pnx_login_pending"
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


class Policy(StrEnum):
    NONE = "none"
    VERIFY = "verify"  # has a confirmed device: a code is asked at every sign-in
    SET_UP = "set_up"  # a Location of theirs requires it and they have no device yet


# --- Who must use it ---------------------------------------------------------------------------
def policy_for(user: User) -> Policy:
    """One query: a confirmed authenticator app, or a Location of the user's that requires one."""
    device = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    required = Membership.objects.filter(user=OuterRef("pk"), location__require_two_factor=True)
    has_device, is_required = (
        User.objects.filter(pk=user.pk).values_list(Exists(device), Exists(required)).first() or (False, False)
    )
    if has_device:
        return Policy.VERIFY
    return Policy.SET_UP if is_required else Policy.NONE


def policy_remember(request, user: User) -> Policy:
    policy = policy_for(user)
    request.session[POLICY_SESSION_KEY] = policy.value
    return policy


def gate(request) -> str | None:
    """Where an authenticated, not yet verified session must go first (a URL name), or None."""
    user = request.user
    if user.is_verified():
        return None
    stored = request.session.get(POLICY_SESSION_KEY)
    policy = Policy(stored) if stored in Policy._value2member_map_ else policy_remember(request, user)
    if policy is Policy.VERIFY:
        return "two_factor_verify"
    if policy is Policy.SET_UP:
        return "two_factor"
    if user.is_staff and request.path.startswith("/admin/"):
        return "two_factor_verify" if confirmed_device(user) else "two_factor"
    return None


def location_policy_tightened(*, location: Location) -> None:
    """A Location now requires two-factor sign-in: its team's open sessions re-read the policy."""
    members = User.objects.filter(memberships__location=location)
    sessions_forget_key(users=members, key=POLICY_SESSION_KEY)


# --- Devices -----------------------------------------------------------------------------------
def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def totp_device_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator-app key (shown as a QR code until a code confirms it)."""
    if confirmed_device(user):
        raise ValidationError("Two-factor sign-in is already set up; remove it first to use another app.")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def totp_device_confirm(*, request, user: User, code: str) -> list[str]:
    """The first code from the app confirms the key; returns the ten recovery codes (shown once).
    The session is verified with it and the user's other sessions are signed out."""
    device = pending_device(user)
    if device is None:
        raise ValidationError("Start the set-up again: no authenticator app is waiting for a code.")
    if not device.verify_token(_digits(code)):
        raise ValidationError("That code is not right. Check the time on your phone and try the newest code.")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_generate(user=user)
    mark_verified(request, device)
    sessions_sign_out_others(user=user, keep=request.session.session_key)
    return codes


def recovery_codes_generate(*, user: User) -> list[str]:
    """Ten new single-use recovery codes; the previous ones stop working."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def two_factor_remove(*, request, user: User, code: str) -> None:
    """The user turns two-factor sign-in off, proving it with a current code or a recovery code."""
    if verify_code(user=user, code=code) is None:
        raise ValidationError("That code is not right.")
    _delete_devices(user)
    policy_remember(request, user)


def two_factor_reset(*, user: User, actor: User) -> None:
    """Staff reset a user who lost their phone and codes (the audit trail records who did it):
    the user signs in with the password alone (or is asked to set up again where required)."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied("Only call-center staff may reset two-factor sign-in.")
    _delete_devices(user)
    sessions_forget_key(users=[user], key=POLICY_SESSION_KEY)


def _delete_devices(user: User) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


# --- Codes -------------------------------------------------------------------------------------
def _digits(code: str) -> str:
    return re.sub(r"\s", "", code or "")


def verify_code(*, user: User, code: str):
    """The device that accepts this code (a 6-digit app code, or a recovery code, used up), or
    None. django-otp throttles each device after failures."""
    cleaned = _digits(code)
    if re.fullmatch(r"\d{6}", cleaned):
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        cleaned = cleaned.lower().replace("-", "")
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    with transaction.atomic():
        for device in lock(devices):
            if device.verify_token(cleaned):
                return device
    return None


def mark_verified(request, device) -> None:
    """The session passed the code step (django-otp records the device in the session)."""
    otp_login(request, device)


# --- The code step between the password and the session -----------------------------------------
def pending_login_start(request, user: User, next_url: str) -> None:
    """The password was right and the user has a device: remember who is signing in (not yet
    signed in) for LOGIN_CODE_STEP_SECONDS."""
    request.session[PENDING_SESSION_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
        "next": next_url,
        "at": time.time(),
    }


def pending_login(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_SESSION_KEY) or {}
    if not pending or time.time() - pending.get("at", 0) > settings.LOGIN_CODE_STEP_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None, {}
    return User.objects.filter(pk=pending["user"], is_active=True).first(), pending


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG made on the server (no CDN, no script)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)
