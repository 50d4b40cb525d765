from django.contrib import admin

from .models import RefusedWebhook


@admin.register(RefusedWebhook)
class RefusedWebhookAdmin(admin.ModelAdmin):
    """Read only: written by RefusedWebhookMiddleware."""

    list_display = ["received_at", "path", "status", "reason", "remote_addr"]
    list_filter = ["path", "status", "received_at"]
    date_hierarchy = "received_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
