from django.contrib import admin

from .models import Notification, OfficeMessage, SmsMessage, SmsOptOut


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "recipient", "status", "attempts", "location"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["recipient", "provider_id", "idempotency_key"]
    list_select_related = ["location"]
    raw_id_fields = ["location"]
    readonly_fields = ["short_code", "idempotency_key", "provider_id", "claimed_at", "sent_at", "created_at"]


@admin.register(OfficeMessage)
class OfficeMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "caller_name", "category", "urgent", "location"]
    list_filter = ["category", "urgent"]
    search_fields = ["caller_name", "callback_number", "body"]
    list_select_related = ["location"]
    raw_id_fields = ["location", "lead", "taken_by"]


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "direction", "from_number", "to_number", "lead", "redacted"]
    list_filter = ["direction", "redacted"]
    search_fields = ["from_number", "to_number", "message_sid"]
    raw_id_fields = ["location", "lead", "notification", "sent_by"]


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    list_display = ["number", "opted_out", "updated_at"]
    search_fields = ["number"]
