from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from . import two_factor

# Pages a session that still owes its second factor may open: the code step and set-up, signing
# out, and what the browser fetches by itself.
OPEN_PREFIXES = ("/accounts/2fa/", "/accounts/login/", "/accounts/logout/", "/static/", "/healthz/", "/favicon.ico")


class SecondFactorMiddleware:
    """Sends a signed-in session that must still pass the code step (or set up a device) there
    first, before any view runs (the policy: accounts/two_factor.py). After OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(OPEN_PREFIXES) and request.user.is_authenticated:
            destination = two_factor.gate(request)
            if destination is not None:
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "Two-factor sign-in required: open /accounts/2fa/."}, status=403)
                return redirect(f"{reverse(destination)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
