"""Refused inbound webhooks, recorded for the staff operations overview (issue #17)."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


class RefusedWebhookMiddleware:
    """Records every refusal (400, 401, 403, 503) of a post to /webhooks/…: a misconfigured
    provider secret shows as a run of refusals, which nothing else would surface."""

    REFUSALS = {400, 401, 403, 503}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/webhooks/") and response.status_code in self.REFUSALS:
            self._record(request, response)
        return response

    def _record(self, request, response):
        from .models import RefusedWebhook

        reason = ""
        if not getattr(response, "streaming", False) and response.get("Content-Type", "").startswith("text/"):
            reason = response.content[:200].decode("utf-8", "replace")
        try:
            RefusedWebhook.objects.create(
                path=request.path[:200],
                status=response.status_code,
                reason=reason or response.reason_phrase[:200],
                remote_addr=request.META.get("REMOTE_ADDR") or None,
            )
        except Exception:  # a record of a refusal must never turn it into a 500
            logger.warning("could not record a refused webhook", exc_info=True)
