from django.contrib import admin

from .models import OfficeMessage, SmsMessage


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
