"""Factories and isolation-matrix registrations of the messaging capability.

ISOLATION_KWARGS: URL kwarg name → callable(tenant_b) returning the id of tenant B's object.
AGENT_ONLY_URL_NAMES: URL names only agents may use (portal users get 403 before any lookup).
"""

import factory

from messaging.models import OfficeMessage, SmsMessage

__all__ = ["OfficeMessageFactory", "SmsMessageFactory"]


class OfficeMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficeMessage

    location = factory.SubFactory("tests.factories.LocationFactory")
    caller_name = factory.Faker("name")
    callback_number = factory.Sequence(lambda n: f"+1347555{n % 10000:04d}")
    category = OfficeMessage.Category.EXISTING_CUSTOMER
    urgent = False
    body = "Please call back about tomorrow's visit."


class SmsMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SmsMessage

    location = factory.SubFactory("tests.factories.LocationFactory")
    direction = SmsMessage.Direction.INBOUND
    body = "Yes, texting is better."
    from_number = "+13475550000"
    to_number = "+17185550190"


def _message_of(tenant) -> int:
    return OfficeMessageFactory(location=tenant.location).pk


ISOLATION_KWARGS: dict = {
    "message_id": _message_of,
}
# lead_id is registered by the leads capability; the SMS thread API is agent-only.
AGENT_ONLY_URL_NAMES: set = {"api_lead_sms", "api_messages_create", "api_calls_route"}
