"""Conflict and SameDayRequest share one set of field names (issue #10): the same-day request's
`meeting_type` column became `requested_meeting_type` by a rename, so a request written before
the migration is read back after it with its meeting type."""

import datetime as dt

import pytest
from django.utils import timezone

BEFORE = [("conflicts", "0003_same_day_acknowledge_escalate")]
AFTER = [("conflicts", "0004_owner_request_field_names")]


@pytest.mark.django_db(transaction=True)
def test_a_same_day_request_keeps_its_meeting_type_through_the_rename(migrator):
    old = migrator.apply_initial_migration(BEFORE)
    brand = old.apps.get_model("accounts", "Brand").objects.create(name="Renamed Brand")
    location = old.apps.get_model("accounts", "Location").objects.create(brand=brand, name="Renamed Location")
    lead = old.apps.get_model("leads", "Lead").objects.create(
        brand=brand, location=location, first_name="Rena", last_name="Med", phone="+19175550103"
    )
    start = timezone.now() + dt.timedelta(hours=3)
    before = old.apps.get_model("conflicts", "SameDayRequest").objects.create(
        location=location, lead=lead, requested_start=start, requested_end=start + dt.timedelta(hours=1),
        meeting_type="client_home", owner_notes="Side door.",
    )  # fmt: skip

    new = migrator.apply_tested_migration(AFTER)
    after = new.apps.get_model("conflicts", "SameDayRequest").objects.get()
    assert (after.pk, after.requested_meeting_type, after.owner_notes, after.requested_start) == (
        before.pk,
        "client_home",
        "Side door.",
        start,
    )
    migrator.reset()
