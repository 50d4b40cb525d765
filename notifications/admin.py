from django.contrib import admin

from .models import Notification, SmsOptOut


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "recipient", "status", "attempts", "location"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["recipient", "provider_id", "idempotency_key"]
    list_select_related = ["location"]
    raw_id_fields = ["location"]
    readonly_fields = ["short_code", "idempotency_key", "provider_id", "claimed_at", "sent_at", "created_at"]


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    list_display = ["number", "opted_out", "updated_at"]
    search_fields = ["number"]
