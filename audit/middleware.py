from pghistory.middleware import HistoryMiddleware


class AuditContextMiddleware(HistoryMiddleware):
    """pghistory's middleware (the signed-in user, the URL; DRF's token user is added when DRF
    sets it) plus the channel: `admin`, `api` or `web`. ApiTokenAuthentication adds the token."""

    def get_context(self, request):
        path = request.path
        channel = "admin" if path.startswith("/admin/") else "api" if path.startswith("/api/") else "web"
        return {**super().get_context(request), "channel": channel}
