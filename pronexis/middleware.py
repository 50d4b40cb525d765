import time

from django.db import connections
from django.http.multipartparser import MultiPartParserError


class _SqlTimer:
    def __init__(self):
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


class ServerTimingMiddleware:
    """Adds `Server-Timing: total;dur=…, sql;dur=…` to every response (used by bench/)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timer = _SqlTimer()
        started = time.perf_counter()
        with connections["default"].execute_wrapper(timer):
            response = self.get_response(request)
        total_ms = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = (
            f'total;dur={total_ms:.2f}, sql;dur={timer.seconds * 1000:.2f};desc="{timer.count} queries"'
        )
        return response


class RefuseNulMiddleware:
    """A NUL character in the path, a query parameter or a form field answers 400 naming it.

    PostgreSQL cannot store or compare text containing NUL (psycopg raises ValueError), so one
    check at the edge keeps every search box, filter, path id and webhook field safe (issue #9
    item 5). JSON bodies are checked by their serializers (DRF's CharField refuses NUL).
    """

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = self._nul_in(request)
        if where:
            return self._refuse(request, where)
        return self.get_response(request)

    def _nul_in(self, request) -> str:
        if "\x00" in request.path:
            return "the address"
        sources = [request.GET]
        if request.method == "POST" and request.content_type in self.FORM_TYPES and self._body_fits(request):
            try:
                request.body  # noqa: B018 — read (and kept) first, so a webhook can still read it after POST
                sources.append(request.POST)
            except MultiPartParserError:  # an unreadable body is its view's 400 to give
                pass
        for params in sources:
            for name, values in params.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return name.replace("\x00", "")
        return ""

    @staticmethod
    def _body_fits(request) -> bool:
        """Bodies Django would keep in memory anyway; larger uploads are left to their views."""
        from django.conf import settings

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return limit is None or length <= limit

    @staticmethod
    def _refuse(request, where: str):
        from django.http import HttpResponseBadRequest, JsonResponse

        message = "A NUL character is not allowed here."
        if request.path.startswith("/api/"):
            return JsonResponse({where: [message]}, status=400)
        return HttpResponseBadRequest(f"{message} ({where})", content_type="text/plain; charset=utf-8")
