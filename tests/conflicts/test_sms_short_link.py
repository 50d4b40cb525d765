"""An owner's conflict or same-day text fits two segments with one short link (issue #11): the
link opens, with no login, a page that approves, declines or suggests another time in one tap —
except for a PHI brand or an item already answered, which stay behind the login."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from conflicts.same_day import same_day_raise
from conflicts.services import conflict_raise
from notifications.casl import sms_segments
from notifications.models import Notification
from tests.conftest import make_tenant
from tests.factories import BrandFactory, LeadFactory
from tests.support_calendars import week_of_windows

pytestmark = pytest.mark.django_db


def texting(tenant):
    location = tenant.location
    location.sms_distribution_enabled, location.sms_distribution_list = True, ["+19175550123"]
    location.save()
    return location


def raise_conflict(tenant, agent):
    location = texting(tenant)
    lead = LeadFactory(location=location, first_name="Bartholomew-Maximilian")  # a long name still fits
    # 03:00 UTC: late evening in New York, outside any availability the tests give
    start = (timezone.now() + dt.timedelta(days=3)).replace(hour=3, minute=0, second=0, microsecond=0)
    conflict = conflict_raise(
        lead=lead, kind="schedule", requested_start=start, requested_end=start + dt.timedelta(hours=1),
        requested_meeting_type="client_home", actor=agent,
    )  # fmt: skip
    return conflict, Notification.objects.get(kind="conflict_raised", channel="sms")


def test_the_conflict_text_has_one_short_link_and_fits_two_segments(clock, tenant_a, agent):
    conflict, sms = raise_conflict(tenant_a, agent)
    assert re.findall(r"https?://\S+", sms.body) == [f"{sms.short_url}"]
    assert "suggest another time" in sms.body
    assert sms_segments(sms.body) <= 2, sms.body


def test_the_short_link_answers_with_one_tap_and_no_login(clock, tenant_a, agent):
    conflict, sms = raise_conflict(tenant_a, agent)
    client = Client()
    opened = client.get(f"/n/{sms.short_code}/")
    assert opened.status_code == 302 and opened["Location"].startswith("/answer/")
    page = client.get(opened["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and 'value="approve"' in html and 'value="decline"' in html
    assert "Suggest another time" in html
    answered = client.post(opened["Location"], {"decision": "approve", "notes": "See you then"})
    assert answered.status_code == 200 and "Thank you" in answered.content.decode()
    conflict.refresh_from_db()
    assert (conflict.status, conflict.response_channel, conflict.owner_notes) == (
        "approved",
        "sms_link",
        "See you then",
    )
    assert client.post(opened["Location"], {"decision": "decline"}).status_code == 410  # once
    # Answered: the short link now leads to the portal, behind the login.
    assert client.get(f"/n/{sms.short_code}/")["Location"].startswith("/accounts/login/")


def test_another_time_from_the_text_with_a_tapped_free_slot(clock, tenant_a, agent):
    week_of_windows(tenant_a.location)
    conflict, sms = raise_conflict(tenant_a, agent)
    client = Client()
    url = client.get(f"/n/{sms.short_code}/")["Location"]
    picker = client.get(url).context["picker"]
    chosen = picker.starts[0]
    response = client.post(url, {"decision": "alternate", "alternate_start": chosen.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 200
    conflict.refresh_from_db()
    assert conflict.status == "alternate_suggested" and conflict.alternate_start == chosen


def test_a_tampered_choice_is_refused_and_changes_nothing(clock, tenant_a, agent):
    conflict, sms = raise_conflict(tenant_a, agent)
    client = Client()
    url = client.get(f"/n/{sms.short_code}/")["Location"]
    response = client.post(url, {"decision": "delete"})
    assert response.status_code == 400 and "Choose one of" in response.content.decode()
    conflict.refresh_from_db()
    assert conflict.status == "pending"


def test_a_same_day_text_offers_approve_or_decline(clock, tenant_a, agent):
    texting(tenant_a)
    lead = LeadFactory(location=tenant_a.location)
    start = timezone.now() + dt.timedelta(hours=5)
    same_day_raise(
        lead=lead, requested_start=start, requested_end=start + dt.timedelta(hours=1),
        requested_meeting_type="client_home", actor=agent,
    )  # fmt: skip
    sms = Notification.objects.get(kind="same_day_request", channel="sms")
    assert sms_segments(sms.body) <= 2 and re.findall(r"https?://\S+", sms.body) == [sms.short_url]
    client = Client()
    url = client.get(f"/n/{sms.short_code}/")["Location"]
    html = client.get(url).content.decode()
    assert 'value="approve"' in html and "Suggest another time" not in html
    assert client.post(url, {"decision": "alternate"}).status_code == 400


def test_a_phi_brand_keeps_its_items_behind_the_login(clock, agent):
    tenant = make_tenant(brand=BrandFactory(name="Care", phi_mode=True), name="Care Loc")
    conflict, sms = raise_conflict(tenant, agent)
    assert Client().get(f"/n/{sms.short_code}/")["Location"].startswith("/accounts/login/")


def test_an_unknown_code_is_a_login_then_404(tenant_a):
    assert Client().get("/n/nope-nope/")["Location"].startswith("/accounts/login/")
    client = Client()
    client.force_login(tenant_a.owner)
    assert client.get("/n/nope-nope/").status_code == 404
