"""Delivery rows in words an owner understands: kinds and provider errors."""

from notifications.templatetags.notifications_tags import delivery_error, notification_kind


def test_kinds_and_twilio_errors_in_plain_words():
    assert notification_kind("office_message") == "Office message"
    assert notification_kind("something_new") == "something new"
    assert delivery_error("Twilio error 30003") == (
        "The phone was unreachable: switched off or out of coverage (Twilio error 30003)"
    )
    assert delivery_error("Twilio 400 error 21610: the recipient has opted out (STOP)").startswith(
        "The recipient replied STOP"
    )
    assert delivery_error("SMTP timeout") == "SMTP timeout" and delivery_error("") == ""
