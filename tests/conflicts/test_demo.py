import pytest

from accounts import demo as accounts_demo
from conflicts import demo
from conflicts.models import Callback, Conflict, SameDayRequest


@pytest.mark.django_db
def test_demo_seed_is_idempotent_and_covers_every_state():
    seeded = accounts_demo.seed()
    demo.seed(seeded)
    demo.seed(seeded)
    for location in (seeded.brooklyn, seeded.denver):
        statuses = set(Conflict.objects.filter(location=location).values_list("status", flat=True))
        assert statuses == {"pending", "approved", "alternate_suggested", "closed"}
        kinds = set(Conflict.objects.filter(location=location).values_list("kind", flat=True))
        assert kinds == {"schedule", "location"}
        assert SameDayRequest.objects.filter(location=location, status="pending").count() == 1
        assert Callback.objects.filter(location=location, status="open").count() == 3
    assert Conflict.objects.count() == 10
