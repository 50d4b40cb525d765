import pytest

from notifications.fake_twilio import FakeTwilio


@pytest.fixture
def fake_twilio(settings):
    """The fake Twilio server on a thread, with the real `twilio` backend pointed at it."""
    server = FakeTwilio.start()
    settings.SMS_BACKEND = "notifications.sms.TwilioBackend"
    settings.TWILIO_API_BASE_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def brooklyn(tenant_a):
    """Tenant A's Location with its distribution list on and a texting number."""
    from tests.factories import LocationPhoneNumberFactory

    location = tenant_a.location
    location.notification_emails = ["office@a.example", "owner@a.example"]
    location.sms_distribution_enabled = True
    location.sms_distribution_list = ["+19175550103", "+19175550104"]
    location.lead_sms_enabled = True
    location.save()
    LocationPhoneNumberFactory(location=location, number="+17185550190", sends_sms=True)
    return location
