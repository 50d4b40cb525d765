"""Scoped fetches and the redirect every console action ends with."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from accounts.models import Location
from leads.models import Lead


def location_or_404(request, location_id: int) -> Location:
    """Agents see every Location; the scope still decides (another tenant's answers 404)."""
    return get_object_or_404(Location.objects.visible_to(request.user).select_related("brand"), pk=location_id)


def lead_or_404(request, lead_id: int) -> Lead:
    queryset = Lead.objects.visible_to(request.user).select_related("location__brand", "brand")
    return get_object_or_404(queryset, pk=lead_id)


def back_to_lead(request, lead: Lead, text: str, anchor: str = ""):
    messages.success(request, text)
    return redirect(reverse("agent_lead", args=[lead.pk]) + (f"#{anchor}" if anchor else ""))
