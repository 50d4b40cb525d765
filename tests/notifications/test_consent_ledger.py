"""The consent ledger (issue #14): one append-only event per opt-in / opt-out of a number toward a
brand, with what caused it; `may_text(number, brand)` decides every text to a lead."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, transaction

from messaging.services import sms_inbound_receive
from notifications import delivery, outbox, sms
from notifications.consent import consent_history, consent_record, may_text
from notifications.models import ConsentEvent, Notification, SmsOptOut
from notifications.sms import SmsPermanentError
from tests.conftest import token_client
from tests.factories import (
    BrandFactory,
    LeadFactory,
    LocationFactory,
    LocationPhoneNumberFactory,
)

PHONE = "+13475550142"
S = ConsentEvent.Source


@pytest.fixture
def line(tenant_a):
    return LocationPhoneNumberFactory(location=tenant_a.location, number="+17185550190", sends_sms=True)


def text_in(line, body, sid, sender=PHONE):
    return sms_inbound_receive(message_sid=sid, from_number=sender, to_number=line.number, body=body)


@pytest.mark.django_db
def test_stop_and_start_by_keyword_are_events_of_that_brand_only(tenant_a, line):
    other_brand = BrandFactory(name="Other brand")
    lead = LeadFactory(location=tenant_a.location, phone=PHONE)
    text_in(line, "STOP", "SM1")
    event = ConsentEvent.objects.get()
    assert (event.number, event.brand_id, event.location_id) == (PHONE, tenant_a.brand.pk, tenant_a.location.pk)
    assert (event.kind, event.source, event.message, event.actor_kind) == ("opt_out", "keyword", "STOP", "lead")
    assert not may_text(PHONE, tenant_a.brand) and may_text(PHONE, other_brand)
    lead.refresh_from_db()
    assert lead.sms_opted_out
    other_lead = LeadFactory(location=LocationFactory(brand=other_brand), phone=PHONE)
    assert not other_lead.sms_opted_out
    text_in(line, "START", "SM2")
    assert [e.kind for e in consent_history(PHONE, tenant_a.brand)] == ["opt_in", "opt_out"]
    assert may_text(PHONE, tenant_a.brand)
    lead.refresh_from_db()
    assert not lead.sms_opted_out


@pytest.mark.django_db
def test_a_request_in_words_is_an_opt_out_with_its_message(tenant_a, line):
    LeadFactory(location=tenant_a.location, phone=PHONE)
    text_in(line, "Please stop texting me, I found someone", "SM1")
    event = consent_history(PHONE, tenant_a.brand).get()
    assert (event.kind, event.source) == ("opt_out", "phrase")
    assert event.message == "Please stop texting me, I found someone"
    assert not may_text(PHONE, tenant_a.brand)


@pytest.mark.django_db
def test_a_false_friend_is_no_event_but_a_first_text_is_an_opt_in_once(tenant_a, line):
    LeadFactory(location=tenant_a.location, phone=PHONE)
    text_in(line, "Can you stop by tomorrow at 3?", "SM1")
    text_in(line, "Also, do you do weekends?", "SM2")
    event = ConsentEvent.objects.get()
    assert (event.kind, event.source, event.message) == (
        "opt_in",
        "first_inbound_text",
        "Can you stop by tomorrow at 3?",
    )
    assert event.actor_kind == "lead" and may_text(PHONE, tenant_a.brand)


@pytest.mark.django_db
def test_a_stop_to_the_broadcast_sender_withholds_every_brand(tenant_a, settings):
    sms_inbound_receive(message_sid="SM1", from_number=PHONE, to_number=settings.TWILIO_BROADCAST_SENDER, body="STOP")
    event = ConsentEvent.objects.get()
    assert event.brand_id is None and event.location_id is None
    assert not may_text(PHONE, tenant_a.brand) and not may_text(PHONE, BrandFactory())


@pytest.mark.django_db
def test_twilio_21610_on_a_lead_text_is_an_opt_out_of_its_brand(tenant_a, line, monkeypatch):
    def refused(self, **kwargs):
        raise SmsPermanentError("Twilio 400 error 21610: unsubscribed", code=21610, status=400)

    monkeypatch.setattr(sms.LocmemBackend, "send", refused)
    lead = LeadFactory(location=tenant_a.location, phone=PHONE)
    row = outbox.sms_row(
        to=PHONE, kind="lead_sms", subject=lead, location=tenant_a.location, context={}, key="k1",
        sender=line.number, body="Your quote is ready",
    )  # fmt: skip
    row.save()
    assert delivery.notification_send(notification_id=row.pk) == "suppressed"
    event = ConsentEvent.objects.get()
    assert (event.kind, event.source, event.brand_id) == ("opt_out", "twilio_21610", tenant_a.brand.pk)
    assert "21610" in event.message and "Your quote is ready" in event.message
    assert event.actor_kind == "system"
    assert not may_text(PHONE, tenant_a.brand)


@pytest.mark.django_db
def test_every_send_checks_the_ledger_at_send_time(tenant_a, line):
    lead = LeadFactory(location=tenant_a.location, phone=PHONE)
    row = outbox.sms_row(
        to=PHONE, kind="client_reminder", subject=lead, location=tenant_a.location, context={}, key="k1",
        sender=line.number, body="See you tomorrow",
    )  # fmt: skip
    row.save()
    consent_record(number=PHONE, brand=tenant_a.brand, kind="opt_out", source=S.STAFF, message="asked by e-mail")
    assert delivery.notification_send(notification_id=row.pk) == "suppressed"
    assert sms.outbox == []
    assert Notification.objects.get(pk=row.pk).last_error == "The recipient opted out."


@pytest.mark.django_db
def test_a_form_consent_does_not_lift_a_stop_twilio_still_enforces(tenant_a):
    consent_record(number=PHONE, brand=tenant_a.brand, kind="opt_out", source=S.KEYWORD, message="STOP")
    consent_record(number=PHONE, brand=tenant_a.brand, kind="opt_in", source=S.CAPTURE_API, message="I agree")
    assert not may_text(PHONE, tenant_a.brand)  # only START at that sender lifts it
    assert ConsentEvent.objects.count() == 2  # the consent is kept in the ledger all the same
    consent_record(number=PHONE, brand=tenant_a.brand, kind="opt_out", source=S.AGENT_ON_CALL)
    consent_record(number=PHONE, brand=tenant_a.brand, kind="opt_in", source=S.KEYWORD, message="START")
    assert may_text(PHONE, tenant_a.brand)
    # An opt-out asked in words or on a call is ours: a later written consent lifts it.
    consent_record(number=PHONE, brand=tenant_a.brand, kind="opt_out", source=S.PHRASE, message="remove me")
    consent_record(number=PHONE, brand=tenant_a.brand, kind="opt_in", source=S.CAPTURE_API, message="I agree")
    assert may_text(PHONE, tenant_a.brand)
    assert SmsOptOut.objects.get(number=PHONE, brand=tenant_a.brand).source == "capture_api"


@pytest.mark.django_db(transaction=True)
def test_the_ledger_is_append_only_in_postgresql(tenant_a):
    event = consent_record(number=PHONE, brand=tenant_a.brand, kind="opt_out", source=S.STAFF, message="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ConsentEvent.objects.filter(pk=event.pk).update(message="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ConsentEvent.objects.filter(pk=event.pk).delete()
    assert ConsentEvent.objects.get(pk=event.pk).message == "x"


# --- the capture API's sms_consent ------------------------------------------------------------
URL = "/api/v1/leads/"
CONSENT = {
    "text": "I agree to receive texts from Summit Home Care about my request.",
    "at": "2026-12-01T14:03:00-05:00",
    "source_url": "https://summit.example/contact",
}


def lead_payload(**extra):
    return {"first_name": "Ada", "phone": "(347) 555-0142", "location": None, "source": "online", **extra}


@pytest.mark.django_db
def test_capture_with_sms_consent_is_an_opt_in_event(tenant_a):
    api = token_client(tenant_a.brand_user, "brand", brand=tenant_a.brand)
    response = api.post(URL, lead_payload(location=tenant_a.location.pk, sms_consent=CONSENT), format="json")
    assert response.status_code == 201, response.json()
    event = ConsentEvent.objects.get()
    assert (event.number, event.brand_id, event.location_id) == (PHONE, tenant_a.brand.pk, tenant_a.location.pk)
    assert (event.kind, event.source, event.message) == ("opt_in", "capture_api", CONSENT["text"])
    assert event.source_url == CONSENT["source_url"]
    assert event.consented_at == dt.datetime(2026, 12, 1, 19, 3, tzinfo=dt.UTC)
    assert event.actor_kind == "token" and event.actor_label == "API token brand token"
    # Without the field nothing is recorded and the capture answers as before.
    response = api.post(URL, lead_payload(location=tenant_a.location.pk, phone="+13475550143"), format="json")
    assert response.status_code == 201 and ConsentEvent.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "consent,field",
    [
        ("yes", "Expected a dictionary"),
        ({**CONSENT, "text": "  "}, "text"),
        ({k: v for k, v in CONSENT.items() if k != "text"}, "text"),
        ({**CONSENT, "at": "2026-12-01T14:03:00"}, "at"),  # no UTC offset
        ({**CONSENT, "at": "1899-01-01T00:00:00Z"}, "at"),
        ({**CONSENT, "at": "2999-01-01T00:00:00Z"}, "at"),
        ({**CONSENT, "at": "soon"}, "at"),
        ({**CONSENT, "source_url": "javascript:alert(1)"}, "source_url"),
        ({**CONSENT, "source_url": "https://x.example/" + "a" * 600}, "source_url"),
        ({**CONSENT, "extra": 1}, "extra"),
    ],
)
def test_bad_sms_consent_is_a_400_naming_the_field(tenant_a, consent, field):
    api = token_client(tenant_a.brand_user, "brand", brand=tenant_a.brand)
    response = api.post(URL, lead_payload(location=tenant_a.location.pk, sms_consent=consent), format="json")
    assert response.status_code == 400
    assert field in " ".join(response.json()["sms_consent"])
    assert not ConsentEvent.objects.exists()


@pytest.mark.django_db
def test_sms_consent_needs_a_phone(tenant_a):
    api = token_client(tenant_a.brand_user, "brand", brand=tenant_a.brand)
    response = api.post(
        URL,
        {"first_name": "Ada", "email": "ada@example.test", "location": tenant_a.location.pk, "sms_consent": CONSENT},
        format="json",
    )
    assert response.status_code == 400 and "sms_consent" in response.json()


@pytest.mark.django_db
def test_the_lead_pages_newest_history_is_the_ledger_read_with_the_orm(tenant_a, tenant_b):
    """`consent_history_newest` (SQL written out) gives `consent_history`'s rows, in its order."""
    from notifications.consent import consent_history_newest

    for kind, brand in (("opt_in", tenant_a.location.brand), ("opt_out", None), ("opt_in", tenant_b.location.brand)):
        consent_record(number=PHONE, brand=brand, kind=kind, source="agent_on_call", message=kind)
    for brand in (tenant_a.location.brand, tenant_b.location.brand, None):
        expected = list(consent_history(PHONE, brand)[:2])
        assert consent_history_newest(PHONE, brand, limit=2) == expected and expected
    assert len(consent_history_newest(PHONE, tenant_a.location.brand, limit=50)) == 2  # not tenant B's own
