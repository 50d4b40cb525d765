"""/activity/: the audit trail of an owner's Locations (who changed what, before → after)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.decorators import portal_view
from accounts.models import Location
from accounts.permissions import Action, require
from accounts.scoping import current_location
from pronexis.csv_export import csv_writer
from pronexis.db import reporting_db

from . import selectors
from .forms import ActivityFilterForm

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000


@portal_view
def activity_home(request: HttpRequest) -> HttpResponse:
    """The switcher's Location's history, or the first Location the user owns."""
    location = current_location(request)
    if location is None:
        location = Location.objects.editable_by(request.user).first()
    if location is None:
        raise PermissionDenied("Only owners may read the activity history.")
    return redirect("location_activity", location_id=location.pk)


def _owned_location(request, location_id: int) -> Location:
    # Another tenant's Location is a 404 (visible_to); a manager or viewer of this one a 403.
    location = get_object_or_404(Location.objects.visible_to(request.user), pk=location_id)
    require(request.user, Action.READ_ACTIVITY, location)
    return location


def _filtered(request, location, using: str = "default"):
    form = ActivityFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    filters = form.cleaned_data if form.is_bound else {}
    return form, selectors.location_events(
        location=location,
        kind=filters.get("kind", ""),
        since=filters.get("since"),
        until=filters.get("until"),
        using=using,
    )


@portal_view
def location_activity(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _owned_location(request, location_id)
    form, events = _filtered(request, location)
    if events is None:
        context = {"location": location, "form": form, "entries": [], "page": None}
        return render(request, "audit/activity.html", context, status=400)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "location": location,
        "form": form,
        "page": page,
        "entries": selectors.describe(page.object_list, location=location),
        "filter_query": query.urlencode(),
    }
    return render(request, "audit/activity.html", context)


@portal_view
def location_activity_export(request: HttpRequest, location_id: int) -> HttpResponse:
    """The filtered history as CSV (newest first, at most EXPORT_LIMIT rows), local times."""
    location = _owned_location(request, location_id)
    form, events = _filtered(request, location, using=reporting_db())  # a replica when configured
    if events is None:
        return HttpResponse("\n".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()), status=400)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="activity-{location.pk}.csv"'
    writer = csv_writer(response)  # every cell neutralised against formula injection
    writer.writerow(["when", "time zone", "who", "channel", "what", "action", "record", "field", "before", "after"])
    for entry in selectors.describe(events[:EXPORT_LIMIT], location=location, using=events.db):
        head = [entry.at.strftime("%Y-%m-%d %H:%M:%S"), str(location.zone), entry.who, entry.channel, entry.kind]
        head += [entry.action, entry.record]
        for name, before, after in entry.changes or [("", None, None)]:
            writer.writerow([*head, name, _cell(before), _cell(after)])
    return response


def _cell(value) -> str:
    if value is None:
        return ""
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
