import pytest
from django.core.management import call_command

from messaging.models import MessageRead, OfficeMessage, SmsMessage
from notifications.models import Notification


@pytest.mark.django_db
def test_demo_seed_covers_every_category_and_is_idempotent():
    call_command("seed_demo", verbosity=0)
    counts = (OfficeMessage.objects.count(), Notification.objects.count(), SmsMessage.objects.count())
    assert set(OfficeMessage.objects.values_list("category", flat=True)) == {
        "lead",
        "existing_customer",
        "employee",
        "other",
    }
    assert {True, False} == set(OfficeMessage.objects.values_list("urgent", flat=True))
    assert MessageRead.objects.exists() and OfficeMessage.objects.filter(reads__isnull=True).exists()
    assert Notification.objects.filter(status__in=["failed", "undelivered"]).count() >= 2
    assert SmsMessage.objects.filter(direction="inbound").exists()
    call_command("seed_demo", verbosity=0)
    assert (OfficeMessage.objects.count(), Notification.objects.count(), SmsMessage.objects.count()) == counts
