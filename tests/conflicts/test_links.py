"""Signed answer links (e-mail and SMS): confirmation page, one-tap POST, once, expiring."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conflicts import links
from conflicts.models import Callback, Conflict
from tests.factories import ConflictFactory, SameDayRequestFactory

pytestmark = pytest.mark.django_db


def url(kind, pk, decision, channel="email_link"):
    return reverse(
        "answer_link", args=[links.answer_token(kind=kind, object_id=pk, decision=decision, channel=channel)]
    )


def test_get_only_shows_the_confirmation_and_the_button_answers(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    client = Client()  # no login: the signature is the credential
    page = client.get(url("conflict", conflict.pk, "decline"))
    assert page.status_code == 200 and b">\n      Decline" in page.content or b"Decline" in page.content
    assert Conflict.objects.get(pk=conflict.pk).status == "pending"  # a link scanner's GET changes nothing
    answered = client.post(url("conflict", conflict.pk, "decline"), {"notes": "Not that week"})
    assert answered.status_code == 200 and b"Thank you" in answered.content
    conflict.refresh_from_db()
    assert conflict.status == "declined" and conflict.response_channel == "email_link" and conflict.responded_by is None
    assert conflict.owner_notes == "Not that week"
    assert Callback.objects.filter(conflict=conflict, reason="conflict_declined").exists()


def test_a_used_link_says_so_and_changes_nothing(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    link = url("conflict", conflict.pk, "approve", "sms_link")
    assert Client().post(link).status_code == 200
    again = Client().post(link)
    assert again.status_code == 410 and b"already" in again.content.lower()
    other = Client().get(url("conflict", conflict.pk, "decline"))
    assert other.status_code == 410 and b"Already answered" in other.content
    assert Conflict.objects.get(pk=conflict.pk).status == "approved"
    assert Callback.objects.count() == 1


def test_an_expired_or_tampered_link_says_so(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    token = links.answer_token(kind="conflict", object_id=conflict.pk, decision="approve", channel="email_link")
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        expired = Client().post(reverse("answer_link", args=[token]))
    assert expired.status_code == 410 and b"expired" in expired.content
    tampered = Client().post(
        reverse("answer_link", args=[token[:-3] + ("abc" if not token.endswith("abc") else "xyz")])
    )
    assert tampered.status_code == 410 and b"not valid" in tampered.content
    from django.core import signing

    forged = signing.dumps({"k": "c", "i": conflict.pk, "d": "approve", "c": "email_link"}, salt="another-salt")
    assert Client().post(reverse("answer_link", args=[forged])).status_code == 410
    assert Conflict.objects.get(pk=conflict.pk).status == "pending"


def test_alternate_link_takes_a_local_time(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    day = (timezone.now() + dt.timedelta(days=5)).astimezone(tenant_a.location.zone).date()
    bad = Client().post(
        url("conflict", conflict.pk, "alternate"), {"alternate_date": "2020-01-01", "alternate_time": "10:00"}
    )
    assert bad.status_code == 400 and b"future" in bad.content
    ok = Client().post(
        url("conflict", conflict.pk, "alternate"),
        {"alternate_date": day.isoformat(), "alternate_time": "10:30", "alternate_meeting_type": "phone"},
    )
    assert ok.status_code == 200
    conflict.refresh_from_db()
    local = conflict.alternate_start.astimezone(tenant_a.location.zone)
    assert (local.date(), local.hour, local.minute) == (day, 10, 30)
    assert conflict.alternate_meeting_type == "phone" and conflict.status == "alternate_suggested"


def test_same_day_link_approves_and_books(tenant_a):
    same_day = SameDayRequestFactory(location=tenant_a.location)
    response = Client().post(url("same_day", same_day.pk, "approve", "sms_link"))
    assert response.status_code == 200
    same_day.refresh_from_db()
    assert same_day.status == "approved" and same_day.response_channel == "sms_link"
    assert same_day.lead.appointments.count() == 1


def test_reply_to_address_is_signed():
    address = links.reply_to_address(42)
    assert links.conflict_id_from_address(address) == 42
    assert links.conflict_id_from_address(address.upper()) == 42  # mail systems may change case
    assert links.conflict_id_from_address(address.replace("+42.", "+43.")) is None
    assert links.conflict_id_from_address("conflict+42@reply.pronexis.test") is None
    assert links.conflict_id_from_address(address.replace("reply.pronexis.test", "evil.test")) is None
