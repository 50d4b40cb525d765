import pytest
from django.http import Http404

from accounts.models import ApiToken, Location, Membership
from accounts.scoping import role_for, visible_location_or_404
from tests.conftest import make_tenant, token_client
from tests.factories import LocationFactory


@pytest.mark.django_db
def test_each_role_sees_only_its_locations(tenant_a, tenant_b, agent, staff, outsider):
    for role in ("owner", "manager", "viewer", "brand"):
        assert list(Location.objects.visible_to(tenant_a.user(role))) == [tenant_a.location]
    assert set(Location.objects.visible_to(agent)) == {tenant_a.location, tenant_b.location}
    assert set(Location.objects.visible_to(staff)) == {tenant_a.location, tenant_b.location}
    assert list(Location.objects.visible_to(outsider)) == []


@pytest.mark.django_db
def test_brand_user_sees_every_location_of_the_brand(tenant_a):
    sibling = LocationFactory(brand=tenant_a.brand)
    assert set(Location.objects.visible_to(tenant_a.brand_user)) == {tenant_a.location, sibling}
    assert role_for(tenant_a.brand_user, sibling) == "brand"


@pytest.mark.django_db
def test_roles(tenant_a, tenant_b, agent, staff):
    assert role_for(tenant_a.owner, tenant_a.location) == "owner"
    assert role_for(tenant_a.manager, tenant_a.location) == "manager"
    assert role_for(tenant_a.viewer, tenant_a.location) == "viewer"
    assert role_for(tenant_a.owner, tenant_b.location) is None
    assert role_for(agent, tenant_b.location) == "agent"
    assert role_for(staff, tenant_b.location) == "staff"


@pytest.mark.django_db
def test_tenant_rows_follow_memberships(tenant_a, tenant_b):
    visible = Membership.objects.visible_to(tenant_a.viewer)
    assert {m.location_id for m in visible} == {tenant_a.location.pk}
    assert Membership.objects.editable_by(tenant_a.viewer).count() == 0
    assert Membership.objects.editable_by(tenant_a.manager).count() == 3


@pytest.mark.django_db
def test_token_scopes_limit_what_an_api_user_sees(tenant_a, tenant_b, agent):
    from rest_framework.test import APIRequestFactory

    from accounts.authentication import ApiTokenAuthentication

    def user_for(scope, user, brand=None):
        _, key = ApiToken.issue(user=user, name="t", scope=scope, brand=brand)
        request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {key}")
        return ApiTokenAuthentication().authenticate(request)[0]

    assert Location.objects.visible_to(user_for("agent", agent)).count() == 2
    assert list(Location.objects.visible_to(user_for("brand", agent, tenant_b.brand))) == [tenant_b.location]
    # A location token acts for the Locations its user owns — never more than the user.
    assert list(Location.objects.visible_to(user_for("location", tenant_a.owner))) == [tenant_a.location]
    assert list(Location.objects.visible_to(user_for("location", tenant_a.manager))) == []


@pytest.mark.django_db
def test_revoked_token_stops_working_at_once(agent):
    client = token_client(agent)
    assert client.get("/api/schema/").status_code == 200
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    response = client.get("/api/schema/")
    assert response.status_code == 401
    assert "revoked" in str(response.data["detail"])


@pytest.mark.django_db
def test_bad_token_header(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Token nope")
    assert api_client.get("/api/schema/").status_code == 401


@pytest.mark.django_db
def test_multi_location_owner_gets_both(db):
    tenant = make_tenant()
    second = LocationFactory(brand=tenant.brand)
    Membership.objects.create(user=tenant.owner, location=second, role="owner")
    assert Location.objects.visible_to(tenant.owner).count() == 2


@pytest.mark.django_db
def test_visible_location_or_404_is_visible_to_get_or_404(tenant_a, tenant_b, agent, staff, outsider):
    """The SQL written out for those who see every Location gives the ORM's row, field for field
    (arrays, phone numbers, times); everyone else is `visible_to`'s answer: 404 across tenants."""
    location = tenant_b.location
    Location.objects.filter(pk=location.pk).update(
        meeting_types=["office", "phone"], notification_emails=["a@example.com"], back_office="+12125550100"
    )
    expected = Location.objects.get(pk=location.pk)

    def values(row):
        return {field.attname: getattr(row, field.attname) for field in Location._meta.concrete_fields}

    for user in (agent, staff):
        found = visible_location_or_404(user, location.pk)
        assert type(found) is Location and found._state.adding is False and found._state.db == "default"
        assert values(found) == values(expected) and found.zone == expected.zone
        for missing in (0, 10**12, 10**20):
            with pytest.raises(Http404):
                visible_location_or_404(user, missing)
    assert visible_location_or_404(tenant_b.owner, location.pk) == location
    for user in (tenant_a.owner, tenant_a.brand_user, outsider):
        with pytest.raises(Http404):
            visible_location_or_404(user, location.pk)
