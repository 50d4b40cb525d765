"""The staff admin site: Django's, with the operations overview at the top of its index and
a resend of failed deliveries from there (issue #17)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST

from notifications.resend import notifications_resend


class StaffAdminSite(admin.AdminSite):
    # Imported by StaffAdminConfig.ready() (admin's autodiscovery), once every model is loaded.

    site_header = "ProNexis call center admin"
    site_title = "ProNexis admin"
    index_title = "Operations"

    def index(self, request, extra_context=None):
        # Not at module level: operations reads conflicts.admin, which registers on this site.
        from .operations import operations_overview

        overview = operations_overview(actor=request.user)
        return super().index(request, {**(extra_context or {}), "overview": overview})

    def get_urls(self):
        return [
            path("operations/resend/", self.admin_view(self.resend_view), name="operations_resend"),
        ] + super().get_urls()

    @staticmethod
    @require_POST
    def resend_view(request):
        """One failed delivery sent again from the overview (the outbox sends it exactly once)."""
        raw = request.POST.get("notification", "")
        ids = notifications_resend(actor=request.user, notification_ids=[int(raw)] if raw.isdecimal() else [])
        if ids:
            messages.success(request, "Queued to send again.")
        else:
            messages.warning(request, "That delivery is no longer failed (already resent or delivered): nothing sent.")
        return redirect("admin:index")
