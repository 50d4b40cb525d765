from django.contrib import admin

from accounts.admin_confirm import confirmed_action

from .models import Notification, RefusedWebhook, SmsOptOut
from .resend import notifications_resend


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "recipient", "status", "attempts", "location"]
    list_filter = ["status", "channel", "kind", "created_at"]
    search_fields = ["recipient", "provider_id", "idempotency_key"]
    list_select_related = ["location"]
    raw_id_fields = ["location"]
    readonly_fields = ["short_code", "idempotency_key", "provider_id", "claimed_at", "sent_at", "created_at"]
    actions = ["resend"]

    @admin.action(description="Resend failed deliveries")
    def resend(self, request, queryset):
        def perform(rows):
            ids = notifications_resend(actor=request.user, notification_ids=[row.pk for row in rows])
            skipped = len(rows) - len(ids)
            note = f"; {skipped} had not failed (left alone)." if skipped else "."
            return f"{len(ids)} queued to send again{note}"

        return confirmed_action(
            self,
            request,
            queryset,
            title="Resend failed deliveries",
            explanation="Each failed or undelivered e-mail or SMS is sent once more through the outbox; "
            "rows that did not fail are left alone.",
            button="Yes, resend them",
            perform=perform,
        )


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    list_display = ["number", "opted_out", "updated_at"]
    search_fields = ["number"]


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
