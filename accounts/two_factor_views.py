"""Pages of two-factor sign-in and signed-in sessions (rules: accounts/two_factor.py, sessions.py)."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth import login, user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pronexis.web import safe_next

from . import sessions, two_factor
from .forms import LoginForm
from .personal_settings import personal_settings


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


# --- Sign-in: the password, then the code ------------------------------------------------------
class PasswordStepLoginView(auth_views.LoginView):
    """Django's log-in; a user with a confirmed device is not signed in yet but sent to the code step."""

    redirect_authenticated_user = True
    authentication_form = LoginForm

    def get_default_redirect_url(self):
        """Agents land on their console, everyone else on the dashboard (a `next` still wins)."""
        user = getattr(self, "signing_in", None) or self.request.user
        if getattr(user, "is_authenticated", False) and user.is_agent and not user.is_staff:
            return reverse("agent_home")
        return super().get_default_redirect_url()

    def form_valid(self, form):
        user = form.get_user()
        self.signing_in = user
        if two_factor.confirmed_device(user) is None:
            return super().form_valid(form)
        two_factor.pending_login_start(self.request, user, self.get_success_url())
        return redirect("two_factor_verify")


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code step: after the password (pending sign-in), or for a signed-in session that the
    policy sends here. Wrong codes count as failed log-ins for django-axes' lockout."""
    pending = {}
    if request.user.is_authenticated:
        user = request.user
        if user.is_verified() or two_factor.confirmed_device(user) is None:
            two_factor.policy_remember(request, user)
            return redirect(_next_url(request) if user.is_verified() else reverse("two_factor"))
    else:
        user, pending = two_factor.pending_login(request)
        if user is None:
            messages.error(request, "Log in again: the code step timed out.")
            return redirect("login")
    credentials = {"username": user.email}
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not AxesProxyHandler.is_allowed(request, credentials):
            request.axes_locked_out, request.axes_credentials = True, credentials  # AxesMiddleware answers 429
            return HttpResponse(status=429)
        device = two_factor.verify_code(user=user, code=form.cleaned_data["code"])
        if device is not None:
            if pending:
                request.session.pop(two_factor.PENDING_SESSION_KEY, None)
                login(request, user, backend=pending["backend"])
            two_factor.mark_verified(request, device)
            return redirect(pending.get("next") or _next_url(request))
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        form.add_error("code", "That code is not right.")
    status = 400 if form.errors else 200
    return render(request, "accounts/two_factor_verify.html", {"form": form, "pending": bool(pending)}, status=status)


def _next_url(request) -> str:
    return safe_next(request, reverse("dashboard"))


@receiver(user_logged_in, dispatch_uid="accounts.sign_in_recorded")
def _on_sign_in(sender, request, user, **kwargs):
    """Each sign-in (the log-in form, an invitation, a test's force_login) records its session
    and the two-factor policy it is under."""
    if request is None or not hasattr(request, "session"):
        return
    sessions.session_record(request=request, user=user)
    two_factor.policy_remember(request, user)


@receiver(user_logged_out, dispatch_uid="accounts.sign_out_recorded")
def _on_sign_out(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.session_forget(session_key=request.session.session_key)


# --- /accounts/2fa/: set up, recovery codes, remove --------------------------------------------
@login_required
def two_factor_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = two_factor.confirmed_device(user)
    pending = None if device else two_factor.pending_device(user)
    context = {
        "device": device,
        "pending": pending,
        "qr_svg": two_factor.qr_code_svg(pending) if pending else "",
        "secret": _b32(pending) if pending else "",
        "codes_left": two_factor.recovery_codes_left(user) if device else 0,
        "required": request.session.get(two_factor.POLICY_SESSION_KEY) == two_factor.Policy.SET_UP,
        "form": CodeForm(),
    }
    return render(request, "accounts/two_factor.html", context)


def _b32(device) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


@require_POST
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    try:
        two_factor.totp_device_start(user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("two_factor")


@require_POST
@login_required
def two_factor_confirm(request: HttpRequest) -> HttpResponse:
    try:
        codes = two_factor.totp_device_confirm(request=request, user=request.user, code=request.POST.get("code", ""))
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("two_factor")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "just_set_up": True})


@require_POST
@login_required
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    if not request.user.is_verified():
        return redirect(f"{reverse('two_factor_verify')}?next={reverse('two_factor')}")
    codes = two_factor.recovery_codes_generate(user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@require_POST
@login_required
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    try:
        two_factor.two_factor_remove(request=request, user=request.user, code=request.POST.get("code", ""))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "Two-factor sign-in is off.")
    return redirect("two_factor")


# --- Signed-in sessions ------------------------------------------------------------------------
@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    rows = sessions.sessions_of(request.user)
    context = {"rows": rows, "current": request.session.session_key, **personal_settings(request)}
    return render(request, "accounts/sessions.html", context)


@require_POST
@login_required
def sessions_sign_out_others(request: HttpRequest) -> HttpResponse:
    count = sessions.sessions_sign_out_others(user=request.user, keep=request.session.session_key)
    messages.success(request, f"Signed out of {count} other session{'s' if count != 1 else ''}.")
    return redirect("sessions")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (this session stays signed in), and every other session of the
    user signed out at once."""

    def form_valid(self, form):
        response = super().form_valid(form)
        sessions.sessions_sign_out_others(user=self.request.user, keep=self.request.session.session_key)
        return response
