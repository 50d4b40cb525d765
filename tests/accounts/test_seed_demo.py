import pytest
from django.core.management import call_command

from accounts.models import Location, User


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_gives_the_owner_two_locations(client):
    call_command("seed_demo", verbosity=0)
    counts = (Location.objects.count(), User.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Location.objects.count(), User.objects.count()) == counts == (3, 7)
    owner = User.objects.get(email="owner@demo.test")
    assert {loc.plan for loc in Location.objects.visible_to(owner)} == {"business_hours", "twenty_four_seven"}
    login = client.post("/accounts/login/", {"username": "owner@demo.test", "password": "demo"})
    assert login.status_code == 302
    page = client.get("/dashboard/").content.decode()
    assert "Summit Home Care — Brooklyn" in page and "Summit Home Care — Denver" in page
    assert "Phoenix" not in page
    agent = User.objects.get(email="agent@demo.test")
    assert agent.is_agent and not agent.is_staff
