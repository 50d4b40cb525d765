"""Pages that compose several apps — the dashboard (Action Center), the lead page, reports — and the installable shell:
web app manifest, service worker, offline page, and the live pulse every portal page polls for
its badges and tab title."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from accounts.context_processors import takes_bookings
from accounts.decorators import portal_view
from accounts.models import Location
from accounts.scoping import current_location, current_locations, get_visible_or_404, newest_per_location
from calendars.notices import calendar_notices
from conflicts import selectors as conflict_selectors
from conflicts.monthly_count import monthly_appointment_counts
from leads import services as lead_services
from leads.models import Lead
from messaging.forms import RoutingForm
from messaging.models import OfficeMessage
from messaging.routing import route_call_for_location
from pronexis.csv_export import csv_writer
from pronexis.db import reporting_db
from pronexis.errors import Refused
from pronexis.fragments import render_rows
from pronexis.web import safe_next

from . import reports, selectors, urgent
from .action_center import action_center
from .lead_page import lead_page_context


@portal_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """The owner's home: the Action Center as triage lines (portal.triage), this month at a glance,
    a 90-day chart, recent leads and messages — a fixed number of queries whatever the number of
    waiting items."""
    locations_qs = current_locations(request)
    location = current_location(request)
    now = timezone.now()
    zone = location.zone if location else timezone.get_current_timezone()
    month, chart = conflict_selectors.month_and_chart(locations_qs=locations_qs, zone=zone)
    context = {
        # The triage lines: the SHOWN most urgent (all of them with ?all=1), the counters of every one.
        **action_center(
            request,
            locations_qs=locations_qs,
            now=now,
            show_all=request.GET.get("all") == "1",
            show_location=location is None,
        ),
        "month": month,
        "chart_html": _chart_html(request, chart, zone_name=location.time_zone if location else None),
        "recent_leads": _newest(Lead, request, shown=("first_name", "last_name", "phone", "email", "status")),
        "recent_messages": _newest(OfficeMessage, request, shown=("caller_name", "urgent", "body")),
        # failing_sources, multi (calendars' Action Center entry), insufficient_calendars (the banner)
        **calendar_notices(user=request.user, locations_qs=locations_qs, location=location),
        "meeting_types": Location.MeetingType.choices,
        "now": now,
    }
    return render(request, "portal/dashboard.html", context)


CHART_TEMPLATES = ("portal/_daily_chart.html",)
CHART_MODULES = ("portal.charts", "portal.templatetags.portal_charts", "conflicts.selectors")


def _chart_html(request: HttpRequest, chart, *, zone_name: str | None) -> str:
    """The 90-day chart, drawn once per series (its SVG was a tenth of the page's time) and read
    from the fragment cache after: the key is every number and label it shows."""
    bookings_ui = takes_bookings(request)
    zone = zone_name or "each Location's own zone"
    shown = (chart.days[0], chart.days[-1], chart.leads, chart.appointments, bookings_ui, zone)
    context = {"chart": chart, "chart_zone": zone, "bookings_ui": bookings_ui}
    [html] = render_rows(
        request, prefix="chart", templates=CHART_TEMPLATES, modules=CHART_MODULES, rows=[(shown, lambda: context)]
    )
    return html


def _newest(model, request: HttpRequest, *, shown: tuple[str, ...]) -> list:
    """The five newest rows in scope, each Location's read in index order (bench/README.md § 6);
    only the fields the page shows (`shown`, with the Location's name): a third of the columns,
    less to compile and to build."""
    rows = newest_per_location(model.objects.all(), request, limit=5).select_related("location")
    rows = rows.only("id", "created_at", "location__name", *shown)
    return list(rows.order_by("-created_at", "-id")[:5])


@portal_view
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = get_visible_or_404(
        request, Lead.objects.select_related("location", "brand", "service", "duplicate_of"), pk=lead_id
    )
    return render(request, "portal/lead_detail.html", lead_page_context(request, lead))


@require_POST
@portal_view
def lead_status(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Owner actions from the lead page: 403 for viewers and brand users, 409 with the rule."""
    lead = get_visible_or_404(request, Lead.objects.select_related("location", "brand"), pk=lead_id)
    actor_kind = lead_services.actor_kind_for(request.user, lead.location)
    if actor_kind not in ("owner", "manager", "staff"):
        raise PermissionDenied("Agents change lead statuses from the agent console.")
    try:
        lead_services.lead_set_status(
            lead=lead,
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", "")[:2000],
            actor=request.user,
            actor_kind=actor_kind,
        )
    except Refused as exc:
        return render(request, "portal/lead_detail.html", lead_page_context(request, lead, error=str(exc)), status=409)
    except ValidationError as exc:
        message = "; ".join(m for msgs in exc.message_dict.values() for m in msgs)
        context = lead_page_context(request, lead, error=message)
        return render(request, "portal/lead_detail.html", context, status=400)
    messages.success(request, f"Lead marked {lead.get_status_display().lower()}.")
    return redirect(lead.get_absolute_url())


@require_safe
@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: installs the portal as an app that opens on the dashboard."""
    data = {
        "name": "ProNexis Portal",
        "short_name": "ProNexis",
        "description": "Your leads, answers and messages from the ProNexis call center.",
        "id": "/",
        "start_url": reverse("dashboard"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0f1b2d",
        "icons": [
            {"src": static(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
            for size in (192, 512)
        ]
        + [{"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"}],
    }
    return JsonResponse(data, content_type="application/manifest+json")


@require_safe
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js at the root, so its scope is the whole portal; never cached long (browsers look
    for a new worker on each navigation)."""
    response = render(
        request,
        "portal/sw.js",
        {
            "offline_url": reverse("offline"),
            "css_url": static("css/portal.css"),
            "icon_url": static("icons/icon-192.png"),
        },
        content_type="text/javascript",
    )
    response["Service-Worker-Allowed"] = "/"
    return response


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    """What the installed app shows without a network (cached by the service worker): nothing
    personal, so it is the same page for everyone."""
    return render(request, "portal/offline.html")


@require_safe
@portal_view
def live(request: HttpRequest) -> HttpResponse:
    """The pulse polled by every portal page (badges, tab title, Action Center refresh): one
    query, 304 while nothing changed for this user and Location choice."""
    pulse = selectors.live_pulse(user=request.user, locations_qs=current_locations(request))
    etag = f'"{pulse["version"]}"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        body = {**pulse["counts"], "version": pulse["version"], "poll_seconds": settings.LIVE_POLL_SECONDS}
        response = JsonResponse(body)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Cookie"])
    return response


# --- reports: the monthly count (billing basis), leads by status and source, call lookup ------
@require_GET
@portal_view
def reports_page(request: HttpRequest) -> HttpResponse:
    """Monthly appointment count (billing basis) per Location, call & recording lookup, leads by
    status and source — owners, managers, viewers and brand users (read only)."""
    locations = reports.report_locations(request)
    year, month = reports.report_month(request, locations)
    counts = monthly_appointment_counts(locations=locations, year=year, month=month, using=reporting_db())
    context = {
        "counts": counts,
        "year": year,
        "month": month,
        "month_value": f"{year:04d}-{month:02d}",
        "prev_month": f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}",
        "next_month": f"{year + (month == 12):04d}-{month % 12 + 1:02d}",
        "selected": request.GET.get("detail") == "1",
    }
    context.update(reports.leads_report(locations, year, month))
    context.update(reports.answered_within_target(locations, year, month))
    context.update(reports.call_lookup_context(request))
    return render(request, "portal/reports.html", context)


@require_GET
@portal_view
def reports_appointments_csv(request: HttpRequest) -> HttpResponse:
    """The monthly count's rows as CSV: every counted appointment and answered conflict."""
    locations = reports.report_locations(request)
    year, month = reports.report_month(request, locations)
    counts = monthly_appointment_counts(locations=locations, year=year, month=month, using=reporting_db())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointments-{year:04d}-{month:02d}.csv"'
    writer = csv_writer(response)  # every cell neutralised against formula injection
    writer.writerow(reports.APPOINTMENT_CSV_HEADER)
    writer.writerows(reports.appointment_count_rows(counts))
    return response


@require_GET
@portal_view
def routing_simulator(request: HttpRequest) -> HttpResponse:
    """ "What happens when someone calls at …": the routing decision for a day, time and caller."""
    locations = Location.objects.visible_to(request.user).order_by("name")
    initial_location = current_location(request) or locations.first()
    form = RoutingForm(request.GET or None, locations=locations, initial_location=initial_location)
    decision = None
    location = None
    if form.is_bound and form.is_valid():
        location = form.cleaned_data["location"]
        decision = route_call_for_location(location=location, at=form.local_datetime(), **form.caller_facts())
    context = {"form": form, "decision": decision, "location": location}
    template = "portal/routing.html#result" if request.htmx else "portal/routing.html"
    return render(request, template, context)


# --- acknowledge and escalate (portal.urgent) ----------------------------------------------------
def _urgent_item(request, kind: str, item_id: int):
    model = urgent.KINDS.get(kind)
    if model is None:
        raise Http404("No such item.")
    return get_visible_or_404(request, model.objects.select_related("location", "acknowledged_by"), pk=item_id)


def _urgent_answer(request, item, change, *, answers: bool = False) -> HttpResponse:
    """Runs `change` (a service call); HTMX gets the item's "Got it" box back (a refusal inside
    it), a plain POST goes back where it came from. A change that `answers` the item (it leaves
    the Action Center) fires "pending-answered": the focus moves on and the counters are read."""
    error, status = "", 200
    try:
        change()
    except PermissionDenied as denied:
        error, status = str(denied) or "You may not do this.", 403
    if request.htmx:
        response = render(request, "portal/_urgent_box.html", {"item": item, "error": error}, status=status)
        if answers and status == 200:
            response["HX-Trigger"] = "pending-answered"
        return response
    if status != 200:
        raise PermissionDenied(error)
    return HttpResponseRedirect(safe_next(request, item.get_absolute_url()))


def _got_it(request, kind: str, item_id: int) -> HttpResponse:
    item = _urgent_item(request, kind, item_id)
    return _urgent_answer(
        request, item, lambda: urgent.urgent_acknowledge(item=item, actor=request.user, channel="portal")
    )


@require_POST
@portal_view
def message_got_it(request: HttpRequest, message_id: int) -> HttpResponse:
    """ "Got it" from the portal on an urgent message."""
    return _got_it(request, "message", message_id)


@require_POST
@portal_view
def same_day_got_it(request: HttpRequest, same_day_id: int) -> HttpResponse:
    """ "Got it" from the portal on a same-day request."""
    return _got_it(request, "same_day", same_day_id)


@require_POST
@portal_view
def message_called_back(request: HttpRequest, message_id: int) -> HttpResponse:
    """ "Called back" with a note: the urgent message leaves the Action Center."""
    message = _urgent_item(request, "message", message_id)
    note = request.POST.get("note", "")
    return _urgent_answer(
        request,
        message,
        lambda: urgent.office_message_handle(message=message, actor=request.user, note=note),
        answers=True,
    )


@require_http_methods(["GET", "POST"])
def got_it_link(request: HttpRequest, token: str) -> HttpResponse:
    """The page a text's (or a push's) "Got it" link opens: GET shows the item and one button (link
    scanners only GET); the button POSTs. No login: the signature names the user it was sent to."""
    try:
        link = urgent.read_got_it_token(token)
    except urgent.LinkInvalid as invalid:
        return render(request, "portal/got_it_link.html", {"problem": str(invalid)}, status=410)
    context = {"item": link.item, "link": link, "kind": urgent.kind_of(link.item)}
    if request.method == "POST":
        try:
            urgent.got_it_link_use(link=link)
        except urgent.LinkInvalid as invalid:
            context["problem"] = str(invalid)
            return render(request, "portal/got_it_link.html", context, status=410)
        link.item.refresh_from_db()
        context["done"] = urgent.describe_acknowledgement(link.item)
    elif link.item.acknowledged_at is not None:
        context["done"] = urgent.describe_acknowledgement(link.item)
    return render(request, "portal/got_it_link.html", context)


# The signed token is the credential (one item, one user, one purpose, expiring): the service
# worker that POSTs it holds no session and no CSRF cookie, and a forged cross-site POST would
# need the token itself — with which anyone could POST anyway.
@csrf_exempt
@require_POST
def got_it_push(request: HttpRequest, token: str) -> JsonResponse:
    """The "Got it" button of a push notification (portal/templates/portal/sw.js): acknowledges as
    the user the push was sent to, from "a push notification". Only a push's link is taken here;
    410 with the reason when it is not valid (the worker then opens the link's page)."""
    try:
        link = urgent.read_got_it_token(token)
        if link.channel != "push":
            raise urgent.LinkInvalid("This link is not a push notification's. Open it in the portal.")
        acknowledged = urgent.got_it_link_use(link=link)
    except urgent.LinkInvalid as invalid:
        return JsonResponse({"detail": str(invalid)}, status=410)
    return JsonResponse({"acknowledged": acknowledged, "detail": urgent.describe_acknowledgement(link.item)})
