import time

from django.db import connections


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
