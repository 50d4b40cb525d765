"""Staff views of conflicts, same-day requests and callbacks across every Location (read and
filter; answers go through conflict_respond in the portal, the API or a link)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from .models import Callback, Conflict, SameDayRequest

# Ages of a waiting item, as the operations overview counts them: (parameter, label, from, to).
AGE_BUCKETS = [
    ("under-1h", "under 1 hour", None, timedelta(hours=1)),
    ("1h-4h", "1 to 4 hours", timedelta(hours=1), timedelta(hours=4)),
    ("4h-24h", "4 to 24 hours", timedelta(hours=4), timedelta(hours=24)),
    ("over-24h", "over 24 hours", timedelta(hours=24), None),
]


class AgeFilter(admin.SimpleListFilter):
    """How long ago the item was raised (its age in the Action Center)."""

    title = "age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [(key, label) for key, label, _, _ in AGE_BUCKETS]

    def queryset(self, request, queryset):
        for key, _, older_than, younger_than in AGE_BUCKETS:
            if self.value() == key:
                now = timezone.now()
                if older_than is not None:
                    queryset = queryset.filter(created_at__lte=now - older_than)
                if younger_than is not None:
                    queryset = queryset.filter(created_at__gt=now - younger_than)
        return queryset


class WaitingItemAdmin(admin.ModelAdmin):
    list_filter = ["status", AgeFilter, "location__brand", "location"]
    list_select_related = ["location", "lead"]
    search_fields = ["lead__first_name", "lead__last_name", "lead__phone", "location__name"]
    raw_id_fields = ["lead", "responded_by", "raised_by"]
    date_hierarchy = "created_at"
    ordering = ["created_at", "id"]

    @admin.display(description="age", ordering="created_at")
    def age(self, item):
        minutes = int((timezone.now() - item.created_at).total_seconds() // 60)
        return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"

    def has_add_permission(self, request):
        return False  # raised by agents through the console and the API (their rules apply there)


@admin.register(Conflict)
class ConflictAdmin(WaitingItemAdmin):
    list_display = ["id", "location", "lead", "kind", "status", "requested_start", "created_at", "age"]
    list_filter = ["status", "kind", AgeFilter, "location__brand", "location"]


@admin.register(SameDayRequest)
class SameDayRequestAdmin(WaitingItemAdmin):
    list_display = ["id", "location", "lead", "status", "requested_start", "created_at", "age"]


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin):
    list_display = ["id", "location", "lead", "reason", "status", "outcome", "created_at"]
    list_filter = ["status", "reason", "location__brand"]
    list_select_related = ["location", "lead"]
    raw_id_fields = ["lead", "conflict", "same_day_request", "closed_by"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False
