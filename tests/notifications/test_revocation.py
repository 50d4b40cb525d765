"""Revocation "by any reasonable means" (notifications.revocation): a table of phrases that opt
out, and the false friends that must not."""

import pytest

from notifications.revocation import revocation_of

REVOKES = [
    ("STOP", "keyword"),
    ("stop", "keyword"),
    ("Stop.", "keyword"),
    ("STOP please", "keyword"),
    ("Please stop!!", "keyword"),
    ("UNSUBSCRIBE", "keyword"),
    ("cancel", "keyword"),
    ("End", "keyword"),
    ("quit", "keyword"),
    ("opt out", "keyword"),
    ("Para", "keyword"),
    ("para ya por favor", "keyword"),
    ("No más", "keyword"),
    ("no mas gracias", "keyword"),
    ("Basta", "keyword"),
    ("please stop texting me", "phrase"),
    ("Can you stop sending me these messages?", "phrase"),
    ("stop calling me", "phrase"),
    ("Do not text me again", "phrase"),
    ("don’t contact me", "phrase"),
    ("I want to unsubscribe from this", "phrase"),
    ("remove me from your list", "phrase"),
    ("Please remove my number", "phrase"),
    ("take me off your list", "phrase"),
    ("I'd like to opt-out", "phrase"),
    ("no more texts please", "phrase"),
    ("just leave me alone", "phrase"),
    ("no me escriba más", "phrase"),
    ("No más mensajes por favor", "phrase"),
    ("dejen de enviarme mensajes", "phrase"),
]

FALSE_FRIENDS = [
    "stop by tomorrow",
    "Can you stop by at 3?",
    "I'll stop by the office on my way",
    "don't stop",
    "Please don't stop texting me, this is helpful",
    "the bus stop is right outside",
    "I want to cancel my appointment",
    "Cancel Tuesday, can we do Wednesday?",
    "End of the day works for me",
    "para el martes",
    "Es para mi mamá",
    "no más tarde de las 5",
    "don't remove me from the list",
    "Please text me back",
    "yes",
    "Sounds good, thanks!",
    "",
]


@pytest.mark.parametrize("body,how", REVOKES, ids=[body for body, _ in REVOKES])
def test_revocations(body, how):
    assert revocation_of(body) == how


@pytest.mark.parametrize("body", FALSE_FRIENDS)
def test_false_friends_do_not_opt_out(body):
    assert revocation_of(body) is None


def test_the_table_is_at_least_thirty_phrases():
    assert len(REVOKES) + len(FALSE_FRIENDS) >= 30 and len(REVOKES) >= 30


@pytest.mark.django_db
def test_a_phrase_opts_the_number_out_with_one_confirmation_and_a_false_friend_does_not(tenant_a):
    from messaging.services import OPT_OUT_CONFIRMATION, sms_inbound_receive
    from notifications.optouts import number_opted_out
    from tests.factories import LeadFactory, LocationPhoneNumberFactory

    line = LocationPhoneNumberFactory(location=tenant_a.location, number="+17185550190", sends_sms=True)
    lead = LeadFactory(location=tenant_a.location, phone="+13475550142")
    assert (
        sms_inbound_receive(message_sid="SM1", from_number=lead.phone, to_number=line.number, body="stop by at 3?")
        is None
    )
    assert not number_opted_out(lead.phone, lead.brand_id)
    answer = sms_inbound_receive(
        message_sid="SM2", from_number=lead.phone, to_number=line.number, body="Please stop texting me"
    )
    assert answer == OPT_OUT_CONFIRMATION and number_opted_out(lead.phone, lead.brand_id)
    lead.refresh_from_db()
    assert lead.sms_opted_out
    # Twilio redelivers: no second confirmation.
    assert (
        sms_inbound_receive(
            message_sid="SM2", from_number=lead.phone, to_number=line.number, body="Please stop texting me"
        )
        is None
    )


@pytest.mark.django_db
def test_twilio_21610_on_a_send_is_an_opt_out(tenant_a, monkeypatch):
    from notifications import delivery, sms
    from notifications.optouts import number_opted_out
    from notifications.sms import SmsPermanentError
    from tests.factories import NotificationFactory

    def refused(self, **kwargs):
        raise SmsPermanentError("Twilio 400 error 21610: unsubscribed", code=21610, status=400)

    monkeypatch.setattr(sms.LocmemBackend, "send", refused)
    row = NotificationFactory(location=tenant_a.location, recipient="+13475550142")
    assert delivery.notification_send(notification_id=row.pk) == "suppressed"
    assert number_opted_out("+13475550142")
