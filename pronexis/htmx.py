"""One answer to "does this request get the partial or the page?" (NetBox's `htmx_partial`).

django-htmx's `request.htmx` is true for every request htmx sends, including the one it sends
to restore a page from history (Back, with `historyCacheSize: 0` always) and boosted
navigations: both must get the full page, or Back shows a bare fragment without header, nav or
Location switcher. This middleware installs `request.htmx` with that decision as its truth
value, so every view's `if request.htmx` and every template's `request.htmx|yesno` agree, and
it marks each response whose choice read that value `Vary: HX-Request` (and `HX-Target` when a
view chose its block by target) so no cache serves the partial for the page or the other way
round."""

from __future__ import annotations

from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class PartialOrPage(HtmxDetails):
    """`bool(request.htmx)`: render the partial. The other attributes are django-htmx's."""

    def __init__(self, request) -> None:
        super().__init__(request)
        self.varies_on: list[str] = []  # the request headers the response was chosen by

    def _consulted(self, header: str) -> None:
        if header not in self.varies_on:
            self.varies_on.append(header)

    def __bool__(self) -> bool:
        self._consulted("HX-Request")
        return super().__bool__() and not self.history_restore_request and not self.boosted

    @property
    def target(self) -> str | None:
        self._consulted("HX-Target")
        return self._get_header_value("HX-Target")


class HtmxMiddleware:
    """Replaces django_htmx.middleware.HtmxMiddleware (sets `request.htmx`, see above)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.htmx = PartialOrPage(request)
        response = self.get_response(request)
        if request.htmx.varies_on:
            patch_vary_headers(response, request.htmx.varies_on)
        return response
