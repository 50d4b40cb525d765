import pytest
from django.urls import reverse

from accounts.models import Location
from accounts.scoping import SESSION_KEY


def _post_settings(client, location, **overrides):
    data = {
        "address": "9 Elm St",
        "city": "Brooklyn",
        "region": "NY",
        "postal_code": "11201-4321",
        "time_zone": "America/New_York",
        "back_office": "(212) 555-0199",
        "after_hours": "",
        "mobile": "",
        "notification_emails": "Office@Example.test\nsecond@example.test",
        "sms_distribution_list": "917 555 0100",
        "sms_distribution_enabled": "on",
        **overrides,
    }
    return client.post(reverse("location_settings", args=[location.pk]), data)


@pytest.mark.django_db
def test_owner_saves_settings_normalized(client, tenant_a):
    client.force_login(tenant_a.owner)
    response = _post_settings(client, tenant_a.location)
    assert response.status_code == 302
    location = Location.objects.get(pk=tenant_a.location.pk)
    assert location.back_office == "+12125550199"
    assert location.postal_code == "11201"
    assert location.notification_emails == ["office@example.test", "second@example.test"]
    assert location.sms_distribution_list == ["+19175550100"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, value, message",
    [
        ("back_office", "555-12", "not a valid phone number"),
        ("time_zone", "Mars/Olympus", "not an IANA time zone"),
        ("postal_code", "ABC", "not a postal code"),
        ("notification_emails", "nope", "not an e-mail address"),
        ("sms_distribution_list", "123", "not a valid phone number"),
    ],
)
def test_bad_values_get_a_message_and_write_nothing(client, tenant_a, field, value, message):
    client.force_login(tenant_a.owner)
    before = Location.objects.filter(pk=tenant_a.location.pk).values().get()
    response = _post_settings(client, tenant_a.location, **{field: value})
    assert response.status_code == 200
    assert message in response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
    assert Location.objects.filter(pk=tenant_a.location.pk).values().get() == before


@pytest.mark.django_db
def test_distribution_list_needs_a_number_to_be_on(client, tenant_a):
    client.force_login(tenant_a.owner)
    response = _post_settings(client, tenant_a.location, sms_distribution_list="")
    assert "Add at least one number" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "viewer", "brand"])
def test_only_owners_open_settings(client, tenant_a, role):
    client.force_login(tenant_a.user(role))
    assert client.get(reverse("location_settings", args=[tenant_a.location.pk])).status_code == 403
    assert _post_settings(client, tenant_a.location).status_code == 403


@pytest.mark.django_db
def test_settings_of_another_tenant_is_404(client, tenant_a, tenant_b):
    client.force_login(tenant_a.owner)
    assert client.get(reverse("location_settings", args=[tenant_b.location.pk])).status_code == 404


@pytest.mark.django_db
def test_switcher_sets_and_clears_the_current_location(client, tenant_a, tenant_b):
    client.force_login(tenant_a.owner)
    response = client.post(reverse("switch_location"), {"location": tenant_a.location.pk, "next": "/settings/"})
    assert response.status_code == 302 and response.url == "/settings/"
    assert client.session[SESSION_KEY] == tenant_a.location.pk
    assert client.post(reverse("switch_location"), {"location": tenant_b.location.pk}).status_code == 404
    client.post(reverse("switch_location"), {"location": "all", "next": "https://evil.example/"})
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_dashboard_header_lists_both_locations_of_an_owner(client, tenant_a):
    from tests.factories import LocationFactory, MembershipFactory

    second = LocationFactory(brand=tenant_a.brand, name="Second shop")
    MembershipFactory(user=tenant_a.owner, location=second, role="owner")
    client.force_login(tenant_a.owner)
    page = client.get("/dashboard/").content.decode()
    assert "Location A" in page and "Second shop" in page and "All my locations" in page


@pytest.mark.django_db
def test_link_to_another_of_my_locations_switches_to_it(client, tenant_a):
    from tests.factories import LocationFactory, MembershipFactory

    second = LocationFactory(brand=tenant_a.brand)
    MembershipFactory(user=tenant_a.owner, location=second, role="owner")
    client.force_login(tenant_a.owner)
    client.post(reverse("switch_location"), {"location": tenant_a.location.pk})
    assert client.get(reverse("location_settings", args=[second.pk])).status_code == 200
    assert client.session[SESSION_KEY] == second.pk


@pytest.mark.django_db
@pytest.mark.parametrize("role, shown", [("owner", True), ("manager", False), ("viewer", False), ("brand", False)])
def test_settings_is_in_the_nav_for_owners_only(client, tenant_a, role, shown):
    client.force_login(tenant_a.user(role))
    assert ('href="/settings/"' in client.get("/dashboard/").content.decode()) is shown


@pytest.mark.django_db
def test_a_bad_number_in_the_list_is_the_only_message(client, tenant_a):
    """A list with a bad number says so — not also "add at least one number" (issue #11)."""
    client.force_login(tenant_a.owner)
    response = _post_settings(client, tenant_a.location, sms_distribution_list="123")
    page = response.content.decode()
    assert "not a valid phone number" in page
    assert "Add at least one number" not in page


@pytest.mark.django_db
def test_refused_settings_come_back_at_an_error_summary(client, tenant_a):
    """The refused form returns to a summary naming each field, linked to it, not the top of the page."""
    client.force_login(tenant_a.owner)
    response = _post_settings(client, tenant_a.location, back_office="555-12", notification_emails="nope")
    page = response.content.decode()
    assert f'action="/settings/{tenant_a.location.pk}/#settings-errors"' in page
    summary = page.split('id="settings-errors"', 1)[1].split("</div>", 1)[0]
    assert "2 fields to fix" in summary
    assert 'href="#id_back_office"' in summary and 'href="#id_notification_emails"' in summary
    ok = _post_settings(client, tenant_a.location)
    assert ok.status_code == 302 and 'id="settings-errors"' not in client.get(ok.url).content.decode()
