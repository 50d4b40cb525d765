from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pronexis.web import safe_next

from . import services
from .decorators import portal_view
from .forms import AcceptInvitationForm, ApiTokenForm, InvitationForm, LocationSettingsForm, MobileForm
from .models import ApiToken, Invitation, Location, Membership, Role, User
from .normalize import format_phone
from .permissions import Action, require
from .personal_settings import location_settings_extras, personal_settings
from .scoping import SESSION_KEY, current_location
from .sessions import sessions_of


@require_POST
@portal_view
def switch_location(request: HttpRequest) -> HttpResponse:
    """The header switcher: one Location, or "all" for every Location of the user."""
    choice = request.POST.get("location", "all")
    if choice == "all":
        request.session.pop(SESSION_KEY, None)
    else:
        location = get_object_or_404(Location.objects.visible_to(request.user), pk=_int_or_404(choice))
        request.session[SESSION_KEY] = location.pk
    return redirect(safe_next(request, reverse("dashboard")))


def _int_or_404(value: str) -> int:
    from django.http import Http404

    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such location.")


@portal_view
def settings_home(request: HttpRequest) -> HttpResponse:
    """Settings for the switcher's Location, or the first one the user owns."""
    location = current_location(request)
    if location is None:
        location = Location.objects.editable_by(request.user).first()
    if location is None:
        raise PermissionDenied("Only owners may change the settings.")
    return redirect("location_settings", location_id=location.pk)


@portal_view
def location_settings(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _owned_location(request, location_id)
    form = LocationSettingsForm(request.POST or None, instance=location)
    if request.method == "POST" and form.is_valid():
        services.location_update_settings(location=location, actor=request.user, form=form)
        messages.success(request, "Settings saved.")
        return redirect("location_settings", location_id=location.pk)
    return render(request, "accounts/settings.html", _settings_context(request, location, form=form))


def _owned_location(request, location_id: int) -> Location:
    location = get_object_or_404(Location.objects.visible_to(request.user), pk=location_id)
    require(request.user, Action.OPEN_SETTINGS, location)
    if request.session.get(SESSION_KEY) not in (None, location.pk):
        request.session[SESSION_KEY] = location.pk
    return location


def _settings_context(request, location, **extra) -> dict:
    return {
        "location": location,
        "owned_locations": Location.objects.editable_by(request.user),
        "team": location.memberships.select_related("user"),
        "roles": Role.choices,
        "invitations": location.invitations.filter(accepted_at=None, revoked_at=None),
        "tokens": ApiToken.objects.filter(user=request.user, scope=ApiToken.Scope.LOCATION).active(),
        "invitation_form": extra.pop("invitation_form", InvitationForm()),
        "token_form": extra.pop("token_form", ApiTokenForm()),
        "mobile_form": extra.pop("mobile_form", None)
        or MobileForm(initial={"mobile": format_phone(request.user.mobile)}),
        "calendar_feed_url": request.build_absolute_uri(f"/calendar/{location.calendar_secret}.ics"),
        "signed_in_sessions": sessions_of(request.user),
        **personal_settings(request),
        **location_settings_extras(request, location),
        **extra,
    }


@require_POST
@portal_view
def invitation_create(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _owned_location(request, location_id)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation, _ = services.invitation_create(location=location, invited_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("location_settings", location_id=location.pk)
    context = _settings_context(request, location, form=LocationSettingsForm(instance=location), invitation_form=form)
    return render(request, "accounts/settings.html", context, status=400)


@require_POST
@portal_view
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.visible_to(request.user), pk=invitation_id)
    services.invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, f"Invitation to {invitation.email} withdrawn.")
    return redirect("location_settings", location_id=invitation.location_id)


def _team_change(request: HttpRequest, membership_id: int, change, done) -> HttpResponse:
    """A team change on the Settings page: `change(membership)` calls the service, `done(membership)`
    says what happened; a refusal (ValidationError) is the message instead."""
    membership = get_object_or_404(Membership.objects.visible_to(request.user).select_related("user"), pk=membership_id)
    try:
        change(membership)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, done(membership))
    return redirect("location_settings", location_id=membership.location_id)


@require_POST
@portal_view
def membership_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    def change(membership):
        services.membership_remove(location=membership.location, actor=request.user, membership=membership)

    return _team_change(request, membership_id, change, lambda m: f"{m.user} removed from the team.")


@require_POST
@portal_view
def membership_set_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    role = request.POST.get("role", "")

    def change(membership):
        services.membership_set_role(location=membership.location, actor=request.user, membership=membership, role=role)

    return _team_change(request, membership_id, change, lambda m: f"{m.user} is now {m.get_role_display().lower()}.")


@require_POST
@portal_view
def calendar_secret_regenerate(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _owned_location(request, location_id)
    services.location_regenerate_calendar_secret(location=location, actor=request.user)
    messages.success(request, "New calendar feed address created; the old one no longer works.")
    return redirect("location_settings", location_id=location.pk)


@require_POST
@portal_view
def profile_mobile(request: HttpRequest, location_id: int) -> HttpResponse:
    """The signed-in owner's own mobile, from Settings (each user sets their own)."""
    location = _owned_location(request, location_id)
    form = MobileForm(request.POST)
    if form.is_valid():
        services.user_set_mobile(user=request.user, mobile=form.cleaned_data["mobile"])
        messages.success(request, "Your mobile number is saved." if form.cleaned_data["mobile"] else "Mobile removed.")
        return redirect("location_settings", location_id=location.pk)
    context = _settings_context(request, location, form=LocationSettingsForm(instance=location), mobile_form=form)
    return render(request, "accounts/settings.html", context, status=400)


@require_POST
@portal_view
def api_token_create(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _owned_location(request, location_id)
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        context = _settings_context(request, location, form=LocationSettingsForm(instance=location), token_form=form)
        return render(request, "accounts/settings.html", context, status=400)
    token, key = services.api_token_issue_for_owner(actor=request.user, name=form.cleaned_data["name"])
    context = _settings_context(request, location, form=LocationSettingsForm(instance=location), new_key=key)
    return render(request, "accounts/settings.html", context)


@require_POST
@portal_view
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    # A user's own tokens only: someone else's token answers 404.
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=token_id)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("settings")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationInvalid as error:
        return render(request, "accounts/invitation_invalid.html", {"reason": str(error)}, status=410)
    existing = User.objects.filter(email__iexact=invitation.email).exists()
    form = AcceptInvitationForm(user=None, data=request.POST or None) if not existing else None
    if request.method == "POST":
        try:
            if existing:
                if not request.user.is_authenticated:
                    return redirect(f"{reverse('login')}?next={request.path}")
                user = services.invitation_accept(token=token, password=None, user=request.user)
            elif form.is_valid():
                user = services.invitation_accept(
                    token=token, password=form.cleaned_data["new_password1"], full_name=form.cleaned_data["full_name"]
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form})
        except services.InvitationInvalid as error:
            return render(request, "accounts/invitation_invalid.html", {"reason": str(error)}, status=410)
        request.session[SESSION_KEY] = invitation.location_id
        messages.success(request, f"Welcome to {invitation.location}.")
        return redirect("dashboard")
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form, "existing": existing}
    )
