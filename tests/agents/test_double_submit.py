"""The console's create forms carry a one-time token: a double submit (double click, reload,
Back and submit) creates one row, and the second submit shows the first one's result."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.models import IdempotencyKey
from calendars.models import Appointment
from conflicts.models import Conflict, SameDayRequest
from leads.models import Lead
from messaging.models import OfficeMessage, SmsMessage
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def form_token(page, action: str) -> str:
    """The one-time token of the first form on `page` that posts to `action`."""
    html = page.content.decode()
    form = rf'<form[^>]*action="{re.escape(action)}"[^>]*>'
    pattern = form + r'(?:(?!</form>).)*?name="form_token" value="([0-9a-f]{32})"'
    match = re.search(pattern, html, re.S)
    assert match, f"no one-time token in the form posting to {action}"
    return match.group(1)


def _local(moment: dt.datetime, location) -> str:
    return moment.astimezone(location.zone).strftime("%Y-%m-%dT%H:%M")


def _next(location, weekday: int, hour: int) -> dt.datetime:
    day = timezone.now().astimezone(location.zone).date() + dt.timedelta(days=3)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=location.zone)


def console_case(name: str, location, lead) -> tuple[str, str, dict, dict, type]:
    """(page with the form, the form's action, its data, other data, the model it adds to)."""
    workspace = f"/agent/leads/{lead.pk}/"
    if name == "new lead":
        data = {"first_name": "Ada", "phone": "(347) 555-0199", "postal_code": "11201"}
        page = f"/agent/locations/{location.pk}/leads/new/"
        return page, page, data, {**data, "first_name": "Grace"}, Lead
    if name == "office message":
        page = f"/agent/locations/{location.pk}/messages/new/"
        data = {"caller_name": "Pat", "callback_number": "(347) 555-0199", "category": "other", "body": "Call back."}
        return page, page, data, {**data, "body": "Another."}, OfficeMessage
    if name == "booking":
        data = {"start": _local(_next(location, 1, 10), location), "minutes": 60, "meeting_type": "client_home"}
        confirm = f"{workspace}?slot={data['start']}&type=client_home"  # the confirmation panel
        return confirm, f"{workspace}book/", data, {**data, "minutes": 30}, Appointment
    if name == "conflict":
        data = {
            "kind": "schedule",
            "requested_start": _local(_next(location, 5, 10), location),
            "minutes": 60,
            "requested_meeting_type": "client_home",
            "caller_notes": "Weekends only.",
        }
        return (
            f"{workspace}?open=conflict",
            f"{workspace}conflicts/",
            data,
            {**data, "caller_notes": "Other."},
            Conflict,
        )
    if name == "same-day request":
        soon = (timezone.now() + dt.timedelta(hours=4)).replace(minute=0)
        data = {"same_day_start": _local(soon, location), "minutes": 60, "meeting_type": "client_home"}
        page = f"{workspace}?open=same_day"
        return page, f"{workspace}same-day/", data, {**data, "minutes": 30}, SameDayRequest
    assert name == "sms"
    data = {"body": "Hi Ada, when suits you?"}
    return workspace, f"{workspace}sms/", data, {"body": "Another text."}, SmsMessage


FORMS = ["new lead", "office message", "booking", "conflict", "same-day request", "sms"]


@pytest.mark.parametrize("name", FORMS)
def test_a_double_submit_creates_one_row_and_shows_the_first_result(
    clock, console, tenant_a, open_weekdays, line_a, name
):
    location = tenant_a.location
    lead = LeadFactory(location=location, phone="+13475550142", address="12 Henry Street")
    page, action, data, other, model = console_case(name, location, lead)
    token = form_token(console.get(page), action)
    before = model.objects.count()
    first = console.post(action, {**data, "form_token": token})
    assert first.status_code == 302, first.context and first.context.get("error")
    assert model.objects.count() == before + 1
    again = console.post(action, {**data, "form_token": token})
    assert (again.status_code, again["Location"]) == (302, first["Location"])
    assert model.objects.count() == before + 1
    shown = console.get(again["Location"]).content.decode()
    assert "This form was already sent, once" in shown
    edited = console.post(action, {**data, **other, "form_token": token})
    assert (edited.status_code, edited["Location"]) == (302, first["Location"])
    assert model.objects.count() == before + 1
    assert "nothing new was created" in console.get(edited["Location"]).content.decode()


def test_each_render_has_its_own_token_and_a_refused_submit_keeps_none(clock, console, tenant_a):
    page = f"/agent/locations/{tenant_a.location.pk}/messages/new/"
    token = form_token(console.get(page), page)
    assert token != form_token(console.get(page), page)
    data = {"caller_name": "Pat", "callback_number": "123", "category": "other", "body": "Call back."}
    refused = console.post(page, {**data, "form_token": token})
    assert refused.status_code == 400 and not IdempotencyKey.objects.exists()
    assert form_token(refused, page) != token  # the form comes back with a fresh token
    corrected = console.post(page, {**data, "callback_number": "(347) 555-0199", "form_token": token})
    assert corrected.status_code == 302 and OfficeMessage.objects.count() == 1


def test_tokens_belong_to_the_agent_who_got_the_form(clock, console, tenant_a):
    from tests.factories import agent_client, make_agent

    page = f"/agent/locations/{tenant_a.location.pk}/messages/new/"
    token = form_token(console.get(page), page)
    data = {"caller_name": "Pat", "callback_number": "(347) 555-0199", "category": "other", "body": "Call back."}
    assert console.post(page, {**data, "form_token": token}).status_code == 302
    other_agent = agent_client(make_agent(email="second-agent@example.test"))
    assert other_agent.post(page, {**data, "form_token": token}).status_code == 302
    assert OfficeMessage.objects.count() == 2
