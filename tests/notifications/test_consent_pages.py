"""The consent ledger where people read and write it: the agent marks "asked not to be texted" on
the call, the agent's SMS thread and the owner's lead page show the state and its history, and
owners export their Location's ledger as CSV (another tenant's: 404)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from notifications.consent import consent_record, may_text
from notifications.models import ConsentEvent
from tests.clients import login
from tests.factories import LeadFactory, LocationFactory, LocationPhoneNumberFactory
from tests.support_agents import agent_client

PHONE = "+13475550142"
S = ConsentEvent.Source


@pytest.fixture
def lead(tenant_a):
    LocationPhoneNumberFactory(location=tenant_a.location, number="+17185550190", sends_sms=True)
    return LeadFactory(location=tenant_a.location, phone=PHONE, first_name="Ada")


@pytest.mark.django_db
def test_the_agent_marks_asked_not_to_be_texted_on_the_call(agent, lead, tenant_a):
    console = agent_client(agent)
    page = console.get(f"/agent/leads/{lead.pk}/").content.decode()
    assert 'data-testid="no-texts"' in page and "No consent or opt-out recorded" in page
    response = console.post(f"/agent/leads/{lead.pk}/no-texts/", {"note": "Said her son handles it, no texts"})
    assert response.status_code == 302 and response.url.endswith("#sms")
    event = ConsentEvent.objects.get()
    assert (event.kind, event.source, event.location_id) == ("opt_out", "agent_on_call", tenant_a.location.pk)
    assert (event.actor_kind, event.actor_user_id, event.actor_label) == ("user", agent.pk, agent.email)
    assert event.message == "Said her son handles it, no texts"
    assert not may_text(PHONE, tenant_a.brand)
    lead.refresh_from_db()
    assert lead.sms_opted_out
    page = console.get(f"/agent/leads/{lead.pk}/").content.decode()
    assert 'data-testid="sms-stop"' in page and 'data-testid="no-texts"' not in page
    assert "Asked on a call (marked by the agent)" in page and "Said her son handles it" in page
    # A text the agent tries now is recorded, not sent.
    console.post(f"/agent/leads/{lead.pk}/sms/", {"body": "Are you there?"})
    assert lead.sms_messages.get().notification.status == "suppressed"


@pytest.mark.django_db
def test_marking_needs_a_phone_and_a_short_note(agent, tenant_a):
    console = agent_client(agent)
    no_phone = LeadFactory(location=tenant_a.location, phone="", email="ada@example.test")
    response = console.post(f"/agent/leads/{no_phone.pk}/no-texts/", {})
    assert response.status_code == 409 and "no phone number" in response.context["error"]
    lead = LeadFactory(location=tenant_a.location, phone=PHONE)
    response = console.post(f"/agent/leads/{lead.pk}/no-texts/", {"note": "x" * 501})
    assert response.status_code == 400 and not ConsentEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["owner", "manager", "viewer", "brand"])
def test_portal_users_cannot_mark_it(tenant_a, lead, role):
    response = login(tenant_a.user(role)).post(f"/agent/leads/{lead.pk}/no-texts/", {})
    assert response.status_code == 403 and not ConsentEvent.objects.exists()


@pytest.mark.django_db
def test_the_service_checks_its_permission(tenant_a, lead):
    from django.core.exceptions import PermissionDenied

    from messaging.services import lead_no_texts_record

    with pytest.raises(PermissionDenied):
        lead_no_texts_record(lead=lead, actor=tenant_a.owner)


@pytest.mark.django_db
def test_the_owner_lead_page_shows_the_state_and_history_but_not_another_franchisee_s_words(tenant_a, lead):
    sibling = LocationFactory(brand=tenant_a.brand, name="Sibling Location")
    consent_record(
        number=PHONE, brand=tenant_a.brand, kind="opt_in", source=S.CAPTURE_API, message="I agree to texts",
        location=tenant_a.location, source_url="https://summit.example/form",
    )  # fmt: skip
    consent_record(
        number=PHONE, brand=tenant_a.brand, kind="opt_out", source=S.PHRASE, message="Sibling secret words",
        location=sibling,
    )  # fmt: skip
    page = login(tenant_a.owner).get(f"/leads/{lead.pk}/").content.decode()
    assert "This lead opted out of texts" in page and "Opted out" in page
    assert "I agree to texts" in page and "summit.example/form" in page
    assert "Asked in words by text" in page and "Through another Location of the brand" in page
    assert "Sibling secret words" not in page


@pytest.mark.django_db
def test_the_lead_page_costs_the_same_whatever_the_history(tenant_a, lead):
    client = login(tenant_a.owner)
    client.get(f"/leads/{lead.pk}/")

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/leads/{lead.pk}/").status_code == 200
        return len(queries)

    consent_record(number=PHONE, brand=tenant_a.brand, kind="opt_in", source=S.STAFF, location=tenant_a.location)
    one = count()
    for _ in range(5):
        consent_record(number=PHONE, brand=tenant_a.brand, kind="opt_out", source=S.STAFF, location=tenant_a.location)
        consent_record(number=PHONE, brand=tenant_a.brand, kind="opt_in", source=S.STAFF, location=tenant_a.location)
    assert count() == one


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.django_db
def test_owners_export_their_location_ledger_as_csv(tenant_a, tenant_b, lead):
    consent_record(
        number=PHONE, brand=tenant_a.brand, kind="opt_out", source=S.PHRASE, message='=HYPERLINK("http://evil.example")',
        location=tenant_a.location,
    )  # fmt: skip
    consent_record(number="+13475550199", brand=tenant_b.brand, kind="opt_out", source=S.KEYWORD,
                   message="STOP", location=tenant_b.location)  # fmt: skip
    response = login(tenant_a.owner).get(f"/consent/{tenant_a.location.pk}/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    assert rows[0][:5] == ["when", "time zone", "number", "event", "source"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["number"], row["event"], row["source"], row["actor"]) == (PHONE, "opt_out", "phrase", "the lead")
    assert row["message"] == '\'=HYPERLINK("http://evil.example")'  # neutralised (pronexis.csv_export)


@pytest.mark.django_db
def test_the_export_is_the_owner_s_only(tenant_a, tenant_b):
    url = f"/consent/{tenant_b.location.pk}/export.csv"
    assert login(tenant_a.owner).get(url).status_code == 404
    own = f"/consent/{tenant_a.location.pk}/export.csv"
    for role in ("manager", "viewer", "brand"):
        assert login(tenant_a.user(role)).get(own).status_code == 403
    assert Client().get(own).status_code == 302  # to the login page


@pytest.mark.django_db
def test_staff_lift_an_opt_out_in_admin_only_through_the_ledger(client, staff, tenant_a):
    from notifications.models import SmsOptOut
    from tests.conftest import verified_login

    consent_record(number=PHONE, brand=tenant_a.brand, kind="opt_out", source=S.PHRASE, message="remove me")
    row = SmsOptOut.objects.get()
    verified_login(client, staff)
    assert client.get(f"/admin/notifications/smsoptout/{row.pk}/change/").status_code == 200  # read only
    client.post(f"/admin/notifications/smsoptout/{row.pk}/change/", {"opted_out": ""})
    assert not may_text(PHONE, tenant_a.brand)  # not changed by editing
    post = {"action": "lift", "_selected_action": [row.pk]}
    assert "Yes, lift them" in client.post("/admin/notifications/smsoptout/", post).content.decode()
    assert client.post("/admin/notifications/smsoptout/", {**post, "confirmed": "yes"}).status_code == 302
    assert may_text(PHONE, tenant_a.brand)
    event = ConsentEvent.objects.order_by("-id").first()
    assert (event.kind, event.source, event.actor_kind, event.actor_label) == ("opt_in", "staff", "user", staff.email)
    page = client.get("/admin/notifications/consentevent/").content.decode()
    assert PHONE in page
