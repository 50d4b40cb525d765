from django.db import connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views import csrf, defaults


def healthz(request):
    """Liveness for docker-compose and load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to the static icon (resolved
    per request, so the manifest of collected static files is only needed when it is asked for)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


# --- errors: JSON under /api/, the portal's pages elsewhere (issue #9 item 13) ----------------
# DRF answers its own views' errors as JSON; these cover what happens outside them: an unknown
# /api/ URL (404), an exception that escapes (500), Django's 400/403 and a CSRF refusal.
def _api(request) -> bool:
    return request.path.startswith("/api/")


def _json_or(default_view, status: int, detail: str):
    def view(request, exception=None, **kwargs):
        if _api(request):
            return JsonResponse({"detail": detail}, status=status)
        if exception is None:
            return default_view(request, **kwargs)
        return default_view(request, exception, **kwargs)

    return view


bad_request = _json_or(defaults.bad_request, 400, "Bad request.")
permission_denied = _json_or(defaults.permission_denied, 403, "You do not have permission to do this.")
page_not_found = _json_or(defaults.page_not_found, 404, "Not found.")
server_error = _json_or(defaults.server_error, 500, "Server error: the team has been told.")


def csrf_failure(request, reason: str = ""):
    if _api(request):
        return JsonResponse({"detail": f"CSRF check failed: {reason}"}, status=403)
    return csrf.csrf_failure(request, reason=reason)
