from django.contrib import admin

from accounts.admin_confirm import confirmed_action

from .consent import consent_record
from .models import ConsentEvent, Notification, RefusedWebhook, SmsOptOut
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
    """The current consent state: written with its ledger event only (notifications.consent), so
    staff change it through the action below, never by editing a row."""

    list_display = ["number", "brand", "opted_out", "source", "updated_at"]
    list_filter = ["opted_out", "source", "brand"]
    search_fields = ["number"]
    list_select_related = ["brand"]
    actions = ["lift"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Lift the opt-out (the lead asked staff to be texted again)")
    def lift(self, request, queryset):
        def perform(rows):
            for row in rows:
                consent_record(
                    number=row.number, brand=row.brand_id, kind="opt_in", source="staff", actor=request.user,
                    message="Lifted by call-center staff in admin.",
                )  # fmt: skip
            return f"{len(rows)} opt-out(s) lifted; each is an event in the consent ledger."

        return confirmed_action(
            self,
            request,
            queryset,
            title="Lift opt-outs",
            explanation="Only when the person asked to be texted again: each lift is recorded in the consent "
            "ledger with your name. A number that texted STOP is still blocked by Twilio until it texts START.",
            button="Yes, lift them",
            perform=perform,
        )


@admin.register(ConsentEvent)
class ConsentEventAdmin(admin.ModelAdmin):
    """The consent ledger, read only (PostgreSQL refuses changes to it anyway)."""

    list_display = ["at", "number", "brand", "location", "kind", "source", "actor_kind", "actor_label"]
    list_filter = ["kind", "source", "actor_kind", "at"]
    search_fields = ["number", "message"]
    list_select_related = ["brand", "location"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
