"""Call-center admin for leads, contact sequences (per brand), the call queue and call records."""

from django.contrib import admin

from accounts.admin_forms import LabelledTabularInline
from accounts.models import Brand

from .models import CallRecord, CallTask, ContactStep, Lead, LeadStatusChange


class LeadStatusChangeInline(LabelledTabularInline):
    model = LeadStatusChange
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "reason", "actor_kind", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # status changes go through lead_set_status (the transition table)


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["id", "__str__", "status", "reason", "location", "brand", "source", "created_at"]
    list_filter = ["status", "reason", "source", "test", "brand", "location"]
    search_fields = ["first_name", "last_name", "email", "phone", "external_id"]
    list_select_related = ["location", "brand"]
    raw_id_fields = ["duplicate_of", "service"]
    readonly_fields = ["status", "reason", "created_at", "updated_at", "capture_fingerprint"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) over millions of leads
    inlines = [LeadStatusChangeInline]


@admin.register(ContactStep)
class ContactStepAdmin(admin.ModelAdmin):
    """The automated contact sequence of each brand, in order (filter by brand)."""

    list_display = ["brand", "position", "kind", "wait_minutes"]
    list_display_links = ["position"]
    list_editable = ["kind", "wait_minutes"]
    list_filter = ["brand"]
    ordering = ["brand", "position"]


@admin.register(CallTask)
class CallTaskAdmin(admin.ModelAdmin):
    list_display = ["id", "lead", "location", "due_at", "outcome", "callback_at", "agent", "completed_at"]
    list_filter = ["outcome", "location"]
    raw_id_fields = ["lead", "agent"]
    list_select_related = ["lead", "location", "agent"]


@admin.register(CallRecord)
class CallRecordAdmin(admin.ModelAdmin):
    list_display = ["provider_call_id", "location", "caller_number", "called_number", "started_at", "duration_seconds"]
    list_filter = ["location"]
    search_fields = ["provider_call_id", "caller_number", "called_number"]
    raw_id_fields = ["lead", "agent"]
    list_select_related = ["location"]
    date_hierarchy = "started_at"


def _add_contact_steps_to_brand_admin():
    """ContactStep inline on the Brand page, when accounts registered a Brand admin."""

    brand_admin = admin.site._registry.get(Brand)
    if brand_admin is None:
        return

    class ContactStepInline(LabelledTabularInline):
        model = ContactStep
        extra = 0
        ordering = ["position"]

    if ContactStepInline not in brand_admin.inlines:
        brand_admin.inlines = [*brand_admin.inlines, ContactStepInline]


_add_contact_steps_to_brand_admin()
