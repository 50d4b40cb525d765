"""The outbox moved from messaging to notifications without losing a row (issue #10): a database
at messaging 0002 with notifications, callbacks, receipts, opt-outs and a threaded text is
migrated forward and every row is read back through the new app's models."""

import pytest

BEFORE = [("messaging", "0002_outbox_unknown_callbacks_receipts_media"), ("audit", "0002_appointment_held_status")]
AFTER = [
    ("notifications", "0001_initial"),
    ("audit", "0003_smsoptout_moved_to_notifications"),
    ("messaging", "0003_outbox_moved_to_notifications"),
]


@pytest.mark.django_db(transaction=True)
def test_outbox_rows_survive_the_move_to_notifications(migrator):
    old = migrator.apply_initial_migration(BEFORE)
    Brand = old.apps.get_model("accounts", "Brand")
    Location = old.apps.get_model("accounts", "Location")
    ContentType = old.apps.get_model("contenttypes", "ContentType")
    location = Location.objects.create(brand=Brand.objects.create(name="Moved Brand"), name="Moved Location")
    notification = old.apps.get_model("messaging", "Notification").objects.create(
        location=location,
        kind="office_message",
        channel="sms",
        recipient="+19175550101",
        body="A text queued before the move",
        idempotency_key="moved:1",
        short_code="moved1",
    )
    old.apps.get_model("messaging", "StatusCallback").objects.create(provider_id="SM1", status="delivered")
    old.apps.get_model("messaging", "WebhookReceipt").objects.create(source="twilio-sms", key="SM2")
    old.apps.get_model("messaging", "SmsOptOut").objects.create(number="+19175550102")
    old.apps.get_model("messaging", "SmsMessage").objects.create(
        location=location,
        direction="outbound",
        body=notification.body,
        from_number="+17185550190",
        to_number="+19175550101",
        notification=notification,
    )
    ContentType.objects.get_or_create(app_label="messaging", model="notification")

    new = migrator.apply_tested_migration(AFTER)
    moved = new.apps.get_model("notifications", "Notification").objects.get()
    assert (moved.pk, moved.kind, moved.body, moved.location_id) == (
        notification.pk,
        "office_message",
        "A text queued before the move",
        location.pk,
    )
    assert new.apps.get_model("notifications", "StatusCallback").objects.filter(provider_id="SM1").count() == 1
    assert new.apps.get_model("notifications", "WebhookReceipt").objects.filter(key="SM2").count() == 1
    assert new.apps.get_model("notifications", "SmsOptOut").objects.get().number == "+19175550102"
    assert new.apps.get_model("messaging", "SmsMessage").objects.get().notification_id == moved.pk
    # The content type followed the model (admin history and permissions point at it).
    content_types = new.apps.get_model("contenttypes", "ContentType").objects
    assert content_types.filter(app_label="notifications", model="notification").count() == 1
    assert not content_types.filter(app_label="messaging", model="notification").exists()
    migrator.reset()
