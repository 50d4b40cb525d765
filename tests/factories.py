"""factory_boy factories for every model; each capability appends its own below."""

import factory
from django.contrib.auth.models import Group

from accounts.models import (
    AGENTS_GROUP,
    Area,
    AreaPostalCode,
    Brand,
    BrandMembership,
    Location,
    LocationPhoneNumber,
    Membership,
    Service,
    User,
)

PASSWORD = "pass-word-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_agent(**kwargs) -> User:
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get_or_create(name=AGENTS_GROUP)[0])
    return user


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    emergency_definition = "A client without care today."


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    brand = factory.SubFactory(BrandFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    book_anyway = False


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    brand = factory.SubFactory(BrandFactory)
    name = factory.Sequence(lambda n: f"Location {n}")
    address = "1 Main Street"
    city = "Brooklyn"
    region = "NY"
    postal_code = "11201"
    time_zone = "America/New_York"
    plan = Location.Plan.BUSINESS_HOURS
    billing = Location.Billing.PER_APPOINTMENT
    back_office = factory.Sequence(lambda n: f"+1212555{n % 10000:04d}")
    after_hours = factory.Sequence(lambda n: f"+1646555{n % 10000:04d}")
    mobile = factory.Sequence(lambda n: f"+1917555{n % 10000:04d}")
    notification_emails = factory.LazyAttribute(lambda o: [f"office{abs(hash(o.name)) % 10000}@example.test"])
    meeting_types = ["office", "client_home", "phone"]


class LocationPhoneNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocationPhoneNumber

    location = factory.SubFactory(LocationFactory)
    number = factory.Sequence(lambda n: f"+1718555{n % 10000:04d}")
    purpose = LocationPhoneNumber.Purpose.MAIN
    sends_sms = True


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    location = factory.SubFactory(LocationFactory)
    brand = factory.SelfAttribute("location.brand")
    name = factory.Sequence(lambda n: f"Area {n}")


class AreaPostalCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AreaPostalCode

    area = factory.SubFactory(AreaFactory)
    brand = factory.SelfAttribute("area.brand")
    postal_code = factory.Sequence(lambda n: f"{10000 + n % 89999:05d}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    location = factory.SubFactory(LocationFactory)
    role = "owner"


class BrandMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandMembership

    user = factory.SubFactory(UserFactory)
    brand = factory.SubFactory(BrandFactory)


# Each capability keeps its factories in tests/support_<app>.py; re-exported here.
from .support_agents import *  # noqa: E402,F401,F403
from .support_calendars import *  # noqa: E402,F401,F403
from .support_conflicts import *  # noqa: E402,F401,F403
from .support_leads import *  # noqa: E402,F401,F403
from .support_messaging import *  # noqa: E402,F401,F403
from .support_notifications import *  # noqa: E402,F401,F403
