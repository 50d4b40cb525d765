import re

import pytest
from django.contrib import admin

from accounts.models import ApiToken, hash_token_key
from tests.conftest import verified_login
from tests.factories import AreaFactory, LocationPhoneNumberFactory


@pytest.mark.django_db
def test_every_admin_changelist_and_add_page_renders(client, staff, tenant_a):
    AreaFactory(location=tenant_a.location)
    LocationPhoneNumberFactory(location=tenant_a.location)
    verified_login(client, staff)
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        assert client.get(base).status_code == 200, base
        assert client.get(base + "?q=a").status_code == 200, base
        if model_admin.has_add_permission(_request(staff)):
            assert client.get(base + "add/").status_code == 200, base + "add/"
    assert client.get(f"/admin/accounts/location/{tenant_a.location.pk}/change/").status_code == 200


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.django_db
def test_admin_creates_a_token_and_shows_the_key_once(client, staff, agent):
    verified_login(client, staff)
    response = client.post(
        "/admin/accounts/apitoken/add/", {"name": "Web forms", "user": agent.pk, "scope": "agent"}, follow=True
    )
    key = re.search(r"(pnx_[\w-]+)", response.content.decode()).group(1)
    token = ApiToken.objects.get(name="Web forms")
    assert token.key_hash == hash_token_key(key) and key not in (token.prefix, token.key_hash)
    page = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert key not in page


@pytest.mark.django_db
def test_agents_and_owners_cannot_open_admin(client, agent, tenant_a):
    for user in (agent, tenant_a.owner):
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response.url


def _location_post(brand, **changes):
    data = {
        "brand": brand.pk,
        "name": "Boulder",
        "is_active": "on",
        "time_zone": "america/denver",
        "plan": "business_hours",
        "billing": "per_appointment",
        "meeting_types": ["office", "phone"],
        "slot_minutes": 60,
        "buffer_minutes": 0,
        "minimum_notice_minutes": 120,
        "notification_emails": "",
        "sms_distribution_list": "",
    }
    for prefix in ("areas", "phone_numbers", "memberships"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(changes)
    return data


@pytest.mark.django_db
def test_location_form_reads_what_staff_type_and_names_each_mistake(client, staff, settings):
    from accounts.models import Location
    from tests.factories import BrandFactory, ServiceFactory

    settings.LOCATION_MAX_NOTIFICATION_EMAILS = 2
    brand, other = BrandFactory(), BrandFactory()
    foreign = ServiceFactory(brand=other, name="Roofing")
    verified_login(client, staff)
    response = client.post(
        "/admin/accounts/location/add/",
        _location_post(
            brand,
            time_zone="Mars/Olympus",
            mobile="12",
            notification_emails="a@x.test\nb@x.test\nc@x.test",
            sms_distribution_list="(212) 555-0100, 5",
            services_offered=[foreign.pk],
        ),
    )
    errors = response.context["adminform"].form.errors
    assert errors["time_zone"] == ["“Mars/Olympus” is not a time zone: pick one from the list, e.g. America/New_York."]
    assert "“12” is not a phone number" in errors["mobile"][0]
    assert "“5” is not a phone number" in errors["sms_distribution_list"][0]
    assert errors["notification_emails"] == ["At most 2 notification e-mail addresses per Location; this list has 3."]
    assert errors["services_offered"] == [f"Not in {brand}'s catalog: Roofing."]
    assert not Location.objects.filter(name="Boulder").exists()

    response = client.post("/admin/accounts/location/add/", _location_post(brand, mobile="+44 20 7946 0958"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    location = Location.objects.get(name="Boulder")
    assert location.time_zone == "America/Denver" and location.meeting_types == ["office", "phone"]
    assert location.mobile == "+442079460958"


@pytest.mark.django_db
def test_time_zone_suggestions_list_common_zones_first(client, staff, tenant_a):
    verified_login(client, staff)
    page = client.get(f"/admin/accounts/location/{tenant_a.location.pk}/change/").content.decode()
    assert 'list="id_time_zone_zones"' in page
    options = re.findall(r'<option value="([^"]+)">', page[page.index('<datalist id="id_time_zone_zones">') :])
    assert options[:3] == ["America/New_York", "America/Chicago", "America/Denver"]
    assert "Europe/Paris" in options and len(options) > 300
    assert 'type="checkbox" name="meeting_types" value="video"' in page
    assert 'type="radio" name="plan" value="answering_only"' in page


@pytest.mark.django_db
def test_bulk_actions_ask_for_confirmation_first(client, staff, tenant_a, tenant_b):
    from accounts.models import Location

    verified_login(client, staff)
    ids = [tenant_a.location.pk, tenant_b.location.pk]
    secrets = {pk: Location.objects.get(pk=pk).calendar_secret for pk in ids}
    post = {"action": "regenerate_feed_secrets", "_selected_action": ids}
    response = client.post("/admin/accounts/location/", post)
    assert response.status_code == 200 and "Yes, regenerate the secrets" in response.content.decode()
    assert {pk: Location.objects.get(pk=pk).calendar_secret for pk in ids} == secrets  # nothing yet
    response = client.post("/admin/accounts/location/", {**post, "confirmed": "yes"})
    assert response.status_code == 302
    assert all(Location.objects.get(pk=pk).calendar_secret != secrets[pk] for pk in ids)

    post = {"action": "deactivate", "_selected_action": [tenant_b.location.pk]}
    assert client.post("/admin/accounts/location/", post).status_code == 200
    assert Location.objects.get(pk=tenant_b.location.pk).is_active
    client.post("/admin/accounts/location/", {**post, "confirmed": "yes"})
    assert not Location.objects.get(pk=tenant_b.location.pk).is_active


@pytest.mark.django_db
def test_token_key_page_and_revoke_with_confirmation(client, staff, agent):
    verified_login(client, staff)
    response = client.post("/admin/accounts/apitoken/add/", {"name": "Forms", "user": agent.pk, "scope": "agent"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "it is shown only once" in page and 'data-copy-target="api-key"' in page and "<script>" not in page
    token = ApiToken.objects.get(name="Forms")
    listing = client.get("/admin/accounts/apitoken/").content.decode()
    assert "Agent (all locations)" in listing and "Active" in listing
    post = {"action": "revoke", "_selected_action": [token.pk]}
    assert "Yes, revoke them" in client.post("/admin/accounts/apitoken/", post).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    client.post("/admin/accounts/apitoken/", {**post, "confirmed": "yes"})
    token.refresh_from_db()
    assert token.revoked_at is not None
    # A token's user, scope and brand are fixed once issued: its page shows them read only.
    change = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert 'name="scope"' not in change and 'name="revoked_at"' not in change
