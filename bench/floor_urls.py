"""The product's URLconf plus the benchmark FLOOR: a bare authenticated view rendering a tiny
template through the same middleware (session, auth, CSRF, CSP, axes, Server-Timing). Mounted
only by bench/settings.py when BENCH_FLOOR=1; every page's time in bench/pages.py is divided
by this one's."""

from __future__ import annotations

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from accounts.decorators import portal_view
from pronexis.urls import urlpatterns as product_urlpatterns

_TEMPLATE = engines["django"].from_string(
    '<!doctype html><html lang="en"><head><title>floor</title></head>'
    "<body><p>{{ request.user.email }}</p></body></html>"
)


@portal_view
def floor(request):
    return HttpResponse(_TEMPLATE.render({}, request))


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *product_urlpatterns]
