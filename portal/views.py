"""The installable shell: web app manifest, service worker, offline page, and the live pulse
every portal page polls for its badges and tab title."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from accounts.decorators import portal_view
from accounts.scoping import current_locations

from . import selectors


@require_safe
@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: installs the portal as an app that opens on the dashboard."""
    data = {
        "name": "ProNexis Portal",
        "short_name": "ProNexis",
        "description": "Your leads, answers and messages from the ProNexis call center.",
        "id": "/",
        "start_url": reverse("dashboard"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0f1b2d",
        "icons": [
            {"src": static(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
            for size in (192, 512)
        ]
        + [{"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"}],
    }
    return JsonResponse(data, content_type="application/manifest+json")


@require_safe
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js at the root, so its scope is the whole portal; never cached long (browsers look
    for a new worker on each navigation)."""
    response = render(
        request,
        "portal/sw.js",
        {
            "offline_url": reverse("offline"),
            "css_url": static("css/portal.css"),
            "icon_url": static("icons/icon-192.png"),
        },
        content_type="text/javascript",
    )
    response["Service-Worker-Allowed"] = "/"
    return response


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    """What the installed app shows without a network (cached by the service worker): nothing
    personal, so it is the same page for everyone."""
    return render(request, "portal/offline.html")


@require_safe
@portal_view
def live(request: HttpRequest) -> HttpResponse:
    """The pulse polled by every portal page (badges, tab title, Action Center refresh): one
    query, 304 while nothing changed for this user and Location choice."""
    pulse = selectors.live_pulse(user=request.user, locations_qs=current_locations(request))
    etag = f'"{pulse["version"]}"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        body = {**pulse["counts"], "version": pulse["version"], "poll_seconds": settings.LIVE_POLL_SECONDS}
        response = JsonResponse(body)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Cookie"])
    return response
