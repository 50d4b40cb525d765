"""The alternate picker (issue #11, "alternates like Calendly"): it starts at the requested day and
offers the owner's free slots as choices to tap, only meeting types the Location offers, a warning
when a typed time clashes, and every value kept on an error."""

import datetime as dt

import pytest
from django.test import Client

from calendars.models import Appointment
from conflicts.models import Conflict
from tests.clients import login
from tests.factories import AppointmentFactory, ConflictFactory
from tests.support_calendars import week_of_windows

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def conflict(clock, tenant_a):
    week_of_windows(tenant_a.location)  # every day 09:00–17:00, 60-minute slots
    return ConflictFactory(location=tenant_a.location)


def _local_day(conflict):
    return conflict.requested_start.astimezone(conflict.location.zone).date()


def _at(conflict, day, hour):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=conflict.location.zone)


def test_the_picker_starts_at_the_requested_day_with_its_free_times(conflict, tenant_a):
    day = _local_day(conflict)
    AppointmentFactory(location=tenant_a.location, start=_at(conflict, day, 11), end=_at(conflict, day, 12))
    response = login(tenant_a.owner).get(f"/conflicts/{conflict.pk}/alternates/", **HTMX)
    assert response.status_code == 200
    picker = response.context["picker"]
    assert picker.day == day
    assert [start.hour for start in picker.starts] == [9, 10, 12, 13, 14, 15, 16]  # 11:00 is booked
    html = response.content.decode()
    assert f'name="alternate_start" value="{day:%Y-%m-%d}T09:00"' in html
    assert "9:00 AM" in html and "4:00 PM" in html
    assert f"?day={day + dt.timedelta(days=1):%Y-%m-%d}" in html  # the next day, one tap away


def test_the_picker_walks_days_but_never_into_the_past(conflict, tenant_a):
    client = login(tenant_a.owner)
    picker = client.get(f"/conflicts/{conflict.pk}/alternates/?day=2001-01-01").context["picker"]
    today = dt.date(2030, 3, 6)  # the pinned clock's local day
    assert picker.day == today and picker.previous is None
    assert all(start.hour >= 13 for start in picker.starts)  # noon now: the morning is gone (+ notice)
    assert client.get(f"/conflicts/{conflict.pk}/alternates/?day=garbage").context["picker"].day == _local_day(conflict)


def test_a_tapped_free_time_suggests_it_and_holds_it(conflict, tenant_a):
    day = _local_day(conflict)
    response = login(tenant_a.owner).post(
        f"/conflicts/{conflict.pk}/respond/",
        {
            "decision": "alternate",
            "alternate_start": f"{day:%Y-%m-%d}T10:00",
            "alternate_date": "",
            "alternate_time": "",
        },
        **HTMX,
    )
    assert response.status_code == 200, response.content
    conflict.refresh_from_db()
    assert conflict.status == Conflict.Status.ALTERNATE_SUGGESTED
    assert conflict.alternate_start == _at(conflict, day, 10)
    hold = Appointment.objects.get(conflict=conflict, status="held")
    assert hold.start == _at(conflict, day, 10)


def test_a_typed_time_that_clashes_is_sent_only_once_confirmed(conflict, tenant_a):
    day = _local_day(conflict)
    posted = {
        "decision": "alternate",
        "alternate_date": day.isoformat(),
        "alternate_time": "19:30",  # after hours
        "alternate_meeting_type": "office",
        "notes": "Evenings are hard, but I can do this once.",
    }
    client = login(tenant_a.owner)
    response = client.post(f"/conflicts/{conflict.pk}/respond/", posted, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not a free time in your calendar" in html and 'name="clash_ok"' in html
    assert 'value="19:30"' in html and f'value="{day.isoformat()}"' in html  # every value kept
    assert "Evenings are hard" in html and '<option value="office" selected>' in html
    conflict.refresh_from_db()
    assert conflict.status == Conflict.Status.PENDING
    response = client.post(f"/conflicts/{conflict.pk}/respond/", {**posted, "clash_ok": "1"}, **HTMX)
    assert response.status_code == 200
    conflict.refresh_from_db()
    assert conflict.status == Conflict.Status.ALTERNATE_SUGGESTED


def test_only_meeting_types_the_location_offers(conflict, tenant_a):
    tenant_a.location.meeting_types = ["office", "phone"]
    tenant_a.location.save()
    html = login(tenant_a.owner).get("/dashboard/").content.decode()
    box = html[html.index(f'id="answer-conflict-{conflict.pk}"') :]
    options = box[box.index('name="alternate_meeting_type"') : box.index("</select>")]
    assert 'value="office"' in options and 'value="phone"' in options
    assert 'value="client_home"' not in options


def test_who_may_open_the_picker(conflict, tenant_a, tenant_b):
    assert login(tenant_a.viewer).get(f"/conflicts/{conflict.pk}/alternates/").status_code == 403
    assert login(tenant_b.owner).get(f"/conflicts/{conflict.pk}/alternates/").status_code == 404
    assert login(tenant_a.owner).post(f"/conflicts/{conflict.pk}/alternates/").status_code == 405


def test_the_sms_link_to_suggest_an_alternate_offers_the_free_times_too(conflict):
    from django.urls import reverse

    from conflicts import links

    token = links.answer_token(kind="conflict", object_id=conflict.pk, decision="alternate", channel="sms_link")
    url = reverse("answer_link", args=[token])
    client = Client()  # no login: the signed link is the credential
    day = _local_day(conflict)
    page = client.get(url)
    assert page.status_code == 200 and page.context["picker"].day == day
    assert f'value="{day:%Y-%m-%d}T09:00"' in page.content.decode()
    next_day = client.get(f"{url}?day={day + dt.timedelta(days=1):%Y-%m-%d}").context["picker"]
    assert next_day.day == day + dt.timedelta(days=1)
    response = client.post(
        url, {"alternate_start": f"{day:%Y-%m-%d}T15:00", "alternate_date": "", "alternate_time": ""}
    )
    assert response.status_code == 200
    conflict.refresh_from_db()
    assert conflict.status == Conflict.Status.ALTERNATE_SUGGESTED
    assert conflict.alternate_start == _at(conflict, day, 15)
