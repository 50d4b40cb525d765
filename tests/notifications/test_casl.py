"""CASL (notifications.casl): automated texts to Canadian numbers name their sender and offer
"Reply STOP to unsubscribe"; other numbers' texts are unchanged; the additions stay short."""

from __future__ import annotations

import pytest

from notifications import outbox
from notifications.casl import UNSUBSCRIBE, casl_text, is_canadian, sender_name, sms_segments
from tests.factories import BrandFactory, LeadFactory, LocationFactory, LocationPhoneNumberFactory

TORONTO, OTTAWA, NEWFOUNDLAND, NEW_YORK, TOLL_FREE, LONDON = (
    "+14165550123",
    "+16135550142",
    "+17095550100",
    "+12125550100",
    "+18005550100",
    "+442071234567",
)
NAME = "Summit Home Care Toronto"

CASES = [
    # (body, number, expected)
    ("Your appointment is confirmed.", NEW_YORK, "Your appointment is confirmed."),
    ("Your appointment is confirmed.", TOLL_FREE, "Your appointment is confirmed."),  # no region: not CA
    ("Your appointment is confirmed.", LONDON, "Your appointment is confirmed."),
    ("Your appointment is confirmed.", TORONTO, f"{NAME}: Your appointment is confirmed. {UNSUBSCRIBE}"),
    ("Your appointment is confirmed.", OTTAWA, f"{NAME}: Your appointment is confirmed. {UNSUBSCRIBE}"),
    ("Your appointment is confirmed.", NEWFOUNDLAND, f"{NAME}: Your appointment is confirmed. {UNSUBSCRIBE}"),
    # The text already names the sender: no prefix.
    (f"{NAME}: reminder of your visit.", TORONTO, f"{NAME}: reminder of your visit. {UNSUBSCRIBE}"),
    (f"Hi, this is {NAME.upper()}.", TORONTO, f"Hi, this is {NAME.upper()}. {UNSUBSCRIBE}"),
    # Another STOP sentence is replaced, never repeated.
    (f"Hi, this is {NAME}. Reply STOP to opt out.", TORONTO, f"Hi, this is {NAME}. {UNSUBSCRIBE}"),
    (f"Hi, this is {NAME}. reply stop to end. Thanks", TORONTO, f"Hi, this is {NAME}. Thanks {UNSUBSCRIBE}"),
    (f"{NAME}: hi. {UNSUBSCRIBE}", TORONTO, f"{NAME}: hi. {UNSUBSCRIBE}"),
]


@pytest.mark.parametrize("body,number,expected", CASES)
def test_casl_table(body, number, expected):
    assert casl_text(body, number=number, sender=NAME) == expected


@pytest.mark.parametrize(
    "number,canadian", [(TORONTO, True), (OTTAWA, True), (NEWFOUNDLAND, True), (NEW_YORK, False), (TOLL_FREE, False),
                        (LONDON, False), ("not a number", False), ("", False)]
)  # fmt: skip
def test_canadian_numbers(number, canadian):
    assert is_canadian(number) is canadian


@pytest.mark.parametrize(
    "text,segments",
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("é" * 160, 1),  # é is GSM-7
        ("€" * 80, 1),  # extension characters count twice
        ("€" * 81, 2),
        ("ï" * 70, 1),  # not GSM-7: UCS-2
        ("ï" * 71, 2),
        ("’" * 134, 2),
        ("’" * 135, 3),
    ],
)
def test_segments(text, segments):
    assert sms_segments(text) == segments


def test_sender_name_is_the_location_with_its_brand_and_short():
    brand = BrandFactory.build(name="Summit Home Care")
    assert sender_name(location=LocationFactory.build(brand=brand, name="Summit Home Care — Toronto")) == (
        "Summit Home Care — Toronto"
    )
    assert sender_name(location=LocationFactory.build(brand=brand, name="Toronto")) == "Summit Home Care Toronto"
    long = sender_name(location=LocationFactory.build(brand=brand, name="Toronto East York and Scarborough Branch"))
    assert len(long) <= 40 and long.startswith("Summit Home Care Toronto") and "…" not in long


def test_an_alias_counts_as_naming_the_sender():
    body = "Hi, this is Toronto. See you Friday."
    assert casl_text(body, number=TORONTO, sender=NAME, aliases=("Toronto",)) == f"{body} {UNSUBSCRIBE}"


@pytest.mark.django_db
@pytest.mark.parametrize("phone,casl", [(TORONTO, True), (NEW_YORK, False)])
def test_automated_texts_to_canadian_leads_carry_it_and_conversation_does_not(tenant_a, agent, phone, casl):
    from leads.contact_sequence import _send_sms_intro
    from messaging.services import send_lead_sms, sms_inbound_receive
    from notifications.models import Notification
    from tests.factories import AppointmentFactory

    location = tenant_a.location
    line = LocationPhoneNumberFactory(location=location, number="+17185550190", sends_sms=True)
    lead = LeadFactory(location=location, phone=phone, first_name="Ada", source="online")
    # The contact sequence's intro (its template already names the Location): automated.
    _send_sms_intro(lead)
    intro = lead.sms_messages.get().body
    assert intro.endswith(UNSUBSCRIBE) is casl
    assert ("Reply STOP to opt out" in intro) is (not casl)
    assert intro.startswith("Hi Ada, this is Location A.")  # named already: no prefix
    assert sms_segments(intro) <= 2
    # A reminder (notify_lead): automated; its template names the Location.
    appointment = AppointmentFactory(location=location, lead=lead)
    outbox.notify_lead(
        lead=lead, kind="client_reminder", subject=appointment, idempotency_key="r1",
        context={"appointment": appointment, "local_start": appointment.start.astimezone(location.zone)},
    )  # fmt: skip
    reminder = Notification.objects.get(idempotency_key__startswith="r1")
    assert reminder.body.startswith("Location A: reminder of your appointment")
    assert reminder.body.endswith(UNSUBSCRIBE) is casl
    assert sms_segments(reminder.body) <= 2
    # The lead texts back; the agent's answer within 24 h is conversation, not an automated
    # commercial text: sent as typed.
    sms_inbound_receive(message_sid="SM1", from_number=phone, to_number=line.number, body="Is Friday ok?")
    answer = send_lead_sms(lead=lead, body="Friday at 10 works.", actor=agent)
    assert answer.body == "Friday at 10 works."
    # An agent's text out of the blue is a commercial text like the automated ones.
    other = LeadFactory(location=location, phone=phone.replace("0123", "0124").replace("0100", "0101"))
    cold = send_lead_sms(lead=other, body="We have openings this week.", actor=agent)
    assert (cold.body == f"Brand A Location A: We have openings this week. {UNSUBSCRIBE}") is casl
