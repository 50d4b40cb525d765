"""Owner pages: the Leads list (tabs, search, filters, cursor pages, CSV). The lead page composes
every capability, so it is portal's (portal/lead_page.py)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django import forms
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.decorators import portal_view
from accounts.scoping import (
    current_location,
    newest_per_location,
    scope_to_current,
)
from pronexis.csv_export import csv_writer
from pronexis.db import reporting_db
from pronexis.fragments import render_rows
from pronexis.moments import PortalDateField
from pronexis.web import decode_cursor, encode_cursor

from . import selectors
from .models import Lead

PAGE_SIZE = 50
ROW_TEMPLATE = "leads/_lead_row.html"
# What draws a row besides its template: the filters it calls (part of the cache key).
ROW_MODULES = ("accounts.templatetags.portal_format", "leads.templatetags.leads_format", "leads.models")


def _row_shown(lead: Lead) -> tuple:
    """Everything a row of the list shows (pronexis/fragments.py keys the cached row on it)."""
    location = lead.location.name if lead.location_id else None
    return (
        *(lead.pk, lead.first_name, lead.last_name, lead.phone, lead.email, lead.status, lead.reason),
        *(lead.source, lead.service_name, location, lead.time_zone, lead.created_at.isoformat()),
        timezone.get_current_timezone_name(),  # the `date` filter's zone when a lead has none
    )


class LeadFilterForm(forms.Form):
    q = forms.CharField(label="Search name, phone or e-mail", required=False, max_length=100)
    source = forms.ChoiceField(label="Source", required=False, choices=[("", "Any source"), *Lead.Source.choices])
    start = PortalDateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = PortalDateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _filtered_leads(request: HttpRequest, *, scoped: bool = True):
    """The list's queryset: scoped (visible + switcher; `scoped=False` leaves that to the
    caller), status tab, search, source, dates."""
    form = LeadFilterForm(request.GET or None)
    leads = scope_to_current(Lead.objects.all(), request) if scoped else Lead.objects.all()
    status = request.GET.get("status", "")
    if status in Lead.Status.values:
        leads = leads.filter(status=status)
    else:
        status = ""
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            leads = selectors.lead_search(leads, data["q"])
        if data["source"]:
            leads = leads.filter(source=data["source"])
        location = current_location(request)
        zone = location.zone if location else UTC
        if data["start"]:
            leads = leads.filter(created_at__gte=datetime.combine(data["start"], time(0), tzinfo=zone))
        if data["end"]:
            leads = leads.filter(created_at__lt=datetime.combine(data["end"] + timedelta(days=1), time(0), tzinfo=zone))
    return leads, form, status


@portal_view
def lead_list(request: HttpRequest) -> HttpResponse:
    """Queries, whatever the number of leads: session, user, switcher Location (when chosen),
    status counters, one page of leads (+1 to know there is a next page), switcher list."""
    leads, form, status = _filtered_leads(request, scoped=False)
    cursor = decode_cursor(request.GET.get("after", ""))
    if cursor:
        created_at, pk = cursor
        # Keyset: (created_at, id) < cursor; the created_at bound keeps it on the index range.
        leads = leads.filter(Q(created_at__lt=created_at) | Q(id__lt=pk), created_at__lte=created_at)
    if form.is_valid() and form.cleaned_data["q"]:
        leads = scope_to_current(leads, request)  # search: the trigram indexes drive the plan
    else:  # each Location's newest rows in index order, merged (bench/README.md § 6)
        leads = newest_per_location(leads, request, limit=PAGE_SIZE + 1)
    page = list(leads.select_related("location").order_by("-created_at", "-id")[: PAGE_SIZE + 1])
    has_next = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    location = current_location(request)
    counts = selectors.status_counts(user=request.user, location_id=location.pk if location else None)
    tabs = [("", "All", sum(counts.values()))] + [(value, label, counts[value]) for value, label in Lead.Status.choices]
    # Search as you type swaps only the results (tabs, table, pages); Back gets the whole page.
    partial = request.htmx and request.htmx.target == "lead-results"
    rows = render_rows(
        request,
        prefix="lead-row",
        templates=(ROW_TEMPLATE,),
        modules=ROW_MODULES,
        rows=[(_row_shown(lead), lambda lead=lead: {"lead": lead}) for lead in page],
    )
    context = {"leads": page, "rows": rows, "form": form, "status": status, "tabs": tabs, "location": location}
    context |= _list_links(request, page[-1] if has_next else None)
    return render(request, "leads/lead_list.html#results" if partial else "leads/lead_list.html", context)


def _list_links(request: HttpRequest, last: Lead | None) -> dict:
    """The list's query strings: tabs keep the filters, "Older leads" continues after `last`."""
    params = request.GET.copy()
    params.pop("after", None)
    params.pop("status", None)
    next_params = request.GET.copy()
    if last:
        next_params["after"] = encode_cursor(last.created_at, last.pk)
    return {
        "filter_query": params.urlencode(),
        "next_query": next_params.urlencode() if last else "",
        "export_query": request.GET.urlencode(),
        "filters_on": sum(1 for name in ("source", "start", "end") if request.GET.get(name)),
    }


class _Echo:
    def write(self, value):
        return value


@portal_view
def lead_export(request: HttpRequest) -> StreamingHttpResponse:
    """CSV of the filtered list (all pages), streamed; times in each lead's Location time zone."""
    leads, _, _ = _filtered_leads(request)
    # The rows are read on the reports' database (a replica when configured, pronexis.db).
    leads = leads.using(reporting_db()).select_related("location", "brand").order_by("-created_at", "-id")
    writer = csv_writer(_Echo())  # every cell neutralised against formula injection
    header = ["id", "created", "time zone", "location", "status", "reason", "source", "first name", "last name"]
    header += ["phone", "e-mail", "postal code", "service", "external id"]

    def rows():
        yield writer.writerow(header)
        for lead in leads.iterator(chunk_size=2000):
            zone = lead.location.zone if lead.location else UTC
            yield writer.writerow(
                [
                    lead.pk,
                    lead.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    str(zone),
                    lead.location.name if lead.location else f"{lead.brand.name} (no area)",
                    lead.status,
                    lead.reason,
                    lead.source,
                    lead.first_name,
                    lead.last_name,
                    lead.phone,
                    lead.email,
                    lead.postal_code,
                    lead.service_name,
                    lead.external_id,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="leads.csv"'
    return response
