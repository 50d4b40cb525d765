"""Factories and isolation-matrix registrations of the leads capability.

ISOLATION_KWARGS: URL kwarg name → callable(tenant_b) returning the id of tenant B's object.
AGENT_ONLY_URL_NAMES: URL names only agents may use (portal users get 403 before any lookup).
"""

import factory
from django.utils import timezone

from leads.models import CallRecord, CallTask, ContactStep, Lead, LeadStatusChange

__all__ = [
    "LeadFactory",
    "LeadStatusChangeFactory",
    "ContactStepFactory",
    "CallTaskFactory",
    "CallRecordFactory",
]


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead of a Location (brand follows it); `location=None, brand=…` for a brand-only lead.

    Keeps the status counters consistent (as capture does), so tab counts in tests are right.
    """

    class Meta:
        model = Lead
        skip_postgeneration_save = True

    location = factory.SubFactory("tests.factories.LocationFactory")
    brand = factory.LazyAttribute(lambda o: o.location.brand if o.location else None)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    phone = factory.Sequence(lambda n: f"+1347555{n % 10000:04d}")
    email = factory.Sequence(lambda n: f"lead{n}@example.test")
    postal_code = "11201"
    source = Lead.Source.ONLINE
    status = Lead.Status.IN_PROCESS

    @factory.post_generation
    def counters(obj, create, extracted, **kwargs):
        if create:
            from leads.services import lead_counts_add

            lead_counts_add([obj])


class LeadStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadStatusChange

    lead = factory.SubFactory(LeadFactory)
    location = factory.SelfAttribute("lead.location")
    from_status = ""
    to_status = factory.SelfAttribute("lead.status")
    actor_kind = "system"


class ContactStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactStep

    brand = factory.SubFactory("tests.factories.BrandFactory")
    position = factory.Sequence(lambda n: n)
    kind = ContactStep.Kind.CALL
    wait_minutes = 0


class CallTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallTask

    lead = factory.SubFactory(LeadFactory)
    location = factory.SelfAttribute("lead.location")
    due_at = factory.LazyFunction(timezone.now)


class CallRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallRecord

    location = factory.SubFactory("tests.factories.LocationFactory")
    caller_number = factory.Sequence(lambda n: f"+1347666{n % 10000:04d}")
    called_number = factory.Sequence(lambda n: f"+1718666{n % 10000:04d}")
    started_at = factory.LazyFunction(timezone.now)
    duration_seconds = 120
    recording_url = factory.Sequence(lambda n: f"https://recordings.example/{n}.mp3")
    provider_call_id = factory.Sequence(lambda n: f"CA{n:032d}")


ISOLATION_KWARGS: dict = {
    "lead_id": lambda b: LeadFactory(location=b.location).pk,
    "call_task_id": lambda b: CallTaskFactory(lead=LeadFactory(location=b.location)).pk,
}
AGENT_ONLY_URL_NAMES: set = {"api_call_queue_outcome"}
