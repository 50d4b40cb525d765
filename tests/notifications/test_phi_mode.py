"""PHI mode (Brand.phi_mode, notifications.phi): a health-care brand's e-mails, texts and pushes say
only what kind of item is waiting and link to it — no lead or caller name, body, notes, address
or service; its e-mail replies are off and its calendar feed has no details. A brand without it
still gets the details."""

from __future__ import annotations

import datetime as dt

import pytest

from messaging.services import office_message_create
from notifications import outbox
from notifications.models import Notification
from tests.conftest import make_tenant
from tests.factories import BrandFactory, LocationPhoneNumberFactory, make_agent
from tests.support_calendars import AppointmentFactory
from tests.support_conflicts import ConflictFactory, SameDayRequestFactory
from tests.support_leads import LeadFactory

pytestmark = pytest.mark.django_db

# Recognisable strings: none may leave the portal for a PHI brand.
LEAD_FIRST, LEAD_LAST, CALLER = "Zebedee", "Quixotefield", "Marmaduke Pennywhistle"
BODY, NOTES, ADDRESS, SERVICE = (
    "Insulin-dependent, SECRETBODY",
    "NOTEXYZZY gate code",
    "42 Hiddenlane Road",
    "Dementiacare",
)
SECRETS = [LEAD_FIRST, LEAD_LAST, "Marmaduke", "Pennywhistle", "SECRETBODY", "NOTEXYZZY", "Hiddenlane", SERVICE]


def tenant(phi: bool):
    t = make_tenant(brand=BrandFactory(name=f"Care brand {phi}", phi_mode=phi), name=f"Care {phi}")
    location = t.location
    location.sms_distribution_enabled, location.sms_distribution_list = True, ["+19175550104"]
    location.save()
    LocationPhoneNumberFactory(location=location, number="+17185550190" if phi else "+17185550191", sends_sms=True)
    return t


def objects(location):
    lead = LeadFactory(
        location=location, first_name=LEAD_FIRST, last_name=LEAD_LAST, phone="+13475550142",
        email="zebedee@example.test", address=ADDRESS, service_name=SERVICE, notes=NOTES, source="online",
    )  # fmt: skip
    message = office_message_create(
        location=location, actor=make_agent(), caller_name=CALLER, callback_number="+13475550199",
        category="existing_customer", urgent=True, body=BODY, lead=lead,
    )  # fmt: skip
    conflict = ConflictFactory(location=location, lead=lead, requested_address=ADDRESS, caller_notes=NOTES)
    conflict.owner_notes = NOTES
    same_day = SameDayRequestFactory(location=location, lead=lead)
    appointment = AppointmentFactory(location=location, lead=lead, address=ADDRESS)
    start = appointment.start.astimezone(location.zone)
    return {
        "lead": lead, "message": message, "conflict": conflict, "request": same_day, "same_day": same_day,
        "appointment": appointment, "local_start": start, "local_end": start + dt.timedelta(hours=1),
        "meeting_type_label": "Client's home", "links": {"approve": "/x"}, "sms_links": {"approve": "/x"},
        "reply_to": "conflict+1.sig@reply.example", "title": f"Message from {CALLER}", "refusal": NOTES,
        "accepted_forms": ["approve"], "notes": NOTES, "owner_notes": NOTES,
    }  # fmt: skip


def every_text(rows) -> str:
    return "\n".join("\n".join([row.title, row.body, row.html_body, str(row.headers), row.recipient]) for row in rows)


def assert_nothing_leaks(rows):
    text = every_text(rows)
    for secret in SECRETS:
        assert secret not in text, (secret, text)


# Every kind a Location, a lead or a sender is sent; an agent's own typed text (lead_sms) and a
# team invitation carry no lead's data and are rendered as they are.
KINDS = [k for k in Notification.Kind.values if k not in ("lead_sms", "invitation")]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_on_every_channel_says_only_what_is_waiting(kind, vapid, subscribe):
    t = tenant(phi=True)
    subscribe(t.owner, "owner-phone")
    context = objects(t.location)
    subject = context["conflict"]
    email = outbox._email_row(
        to="office@example.test", kind=kind, subject=subject, location=t.location, context=context, key=f"{kind}:e",
        headers={"Reply-To": "conflict+1.sig@reply.example"},
    )  # fmt: skip
    text = outbox.sms_row(
        to="+19175550104", kind=kind, subject=subject, location=t.location, context=context, key=f"{kind}:s",
        sender="+17185550190",
    )  # fmt: skip
    pushed = outbox.push_rows(location=t.location, kind="conflict_raised", subject=subject, context=context, key=kind)
    assert pushed  # the owner's device is paged
    assert_nothing_leaks([email, text, *pushed])
    assert "Reply-To" not in email.headers  # e-mail replies are off for the brand
    if kind not in ("client_confirmation", "client_reminder", "sms_intro", "reply_help"):
        label = Notification.Kind(kind).label.lower()
        assert label in email.body and label in text.body
        assert email.link in email.body and text.short_url in text.body


def test_real_flows_of_a_phi_brand_leak_nothing_and_a_plain_brand_still_gets_the_details(
    vapid, subscribe, django_capture_on_commit_callbacks
):
    from conflicts.services import _notify_conflict
    from leads.contact_sequence import _send_sms_intro
    from portal.urgent import escalation_text

    sent = {}
    for phi in (True, False):
        t = tenant(phi)
        subscribe(t.owner, f"phone-{phi}")
        before = set(Notification.objects.values_list("pk", flat=True))
        with django_capture_on_commit_callbacks(execute=True):
            context = objects(t.location)  # an urgent office message: e-mail, text and push
            _notify_conflict(context["conflict"], kind="conflict_raised", key=f"c{phi}", push=True)
            outbox.notify_lead(
                lead=LeadFactory(location=t.location, first_name=LEAD_FIRST, phone="", email="z@example.test",
                                 address=ADDRESS),
                kind="client_confirmation", subject=context["appointment"], idempotency_key=f"cc{phi}",
                context={"appointment": context["appointment"], "local_start": context["local_start"]},
            )  # fmt: skip
            _send_sms_intro(context["lead"])
        rows = list(Notification.objects.exclude(pk__in=before))
        assert {row.channel for row in rows} == {"email", "sms", "push"}
        escalation = escalation_text(context["message"], link="https://portal.example/got-it")
        sent[phi] = (rows, escalation)
    rows, escalation = sent[True]
    assert_nothing_leaks(rows)
    assert all(not row.headers.get("Reply-To") for row in rows)
    assert "SECRETBODY" not in escalation and "Marmaduke" not in escalation and "urgent message" in escalation
    plain_rows, plain_escalation = sent[False]
    plain = every_text(plain_rows)
    for secret in ("Marmaduke", "SECRETBODY", LEAD_FIRST, SERVICE.lower()):
        assert secret in plain, secret
    assert any(row.headers.get("Reply-To") for row in plain_rows)
    assert "Marmaduke" in plain_escalation


def test_the_feed_of_a_phi_brand_shows_no_details(client):
    for phi, expected in ((True, False), (False, True)):
        t = tenant(phi)
        lead = LeadFactory(location=t.location, first_name=LEAD_FIRST, last_name=LEAD_LAST)
        AppointmentFactory(location=t.location, lead=lead, address=ADDRESS)
        body = client.get(f"/calendar/{t.location.calendar_secret}.ics").content.decode()
        assert "BEGIN:VEVENT" in body
        assert (LEAD_FIRST in body) is expected and ("Hiddenlane" in body) is expected
        assert ("SUMMARY:Appointment" in body) is (not expected)


def test_a_booking_put_into_the_owners_caldav_calendar_shows_no_details():
    from calendars.push import booking_ical

    for phi, expected in ((True, False), (False, True)):
        t = tenant(phi)
        lead = LeadFactory(location=t.location, first_name=LEAD_FIRST)
        body = booking_ical(AppointmentFactory(location=t.location, lead=lead, address=ADDRESS))
        assert (LEAD_FIRST in body) is expected and ("Hiddenlane" in body) is expected
        assert ("SUMMARY:Appointment" in body) is (not expected) and "/appointments/" in body


def test_an_e_mail_reply_to_a_phi_brand_is_not_read_and_the_sender_is_told_once():
    from conflicts.answers import conflict_reply_received
    from conflicts.links import reply_to_address

    t = tenant(phi=True)
    conflict = ConflictFactory(location=t.location)
    owner = t.owner.email
    for _ in range(2):
        outcome = conflict_reply_received(recipients=[reply_to_address(conflict.pk)], sender=owner, body="approve")
        assert outcome == "phi_off"
    conflict.refresh_from_db()
    assert conflict.status == "pending"
    [answer] = Notification.objects.filter(recipient=owner, kind="reply_help")
    assert "E-mail replies are turned off" in answer.title and answer.link in answer.body
    assert not answer.headers.get("Reply-To")
