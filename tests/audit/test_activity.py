"""The audit trail on /activity/ (issue #14): an owner's change of a setting, a team role and a
conflict answer each show who, when and before → after; another tenant's history is a 404."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from accounts.models import Membership
from tests.clients import login
from tests.factories import ConflictFactory


def _settings(location, **overrides) -> dict:
    data = {"address": location.address, "city": location.city, "region": location.region}
    data |= {"postal_code": location.postal_code, "time_zone": location.time_zone}
    return data | overrides


@pytest.mark.django_db
def test_an_owners_setting_change_shows_with_before_and_after(tenant_a):
    owner = login(tenant_a.owner)
    before = tenant_a.location.city
    response = owner.post(f"/settings/{tenant_a.location.pk}/", _settings(tenant_a.location, city="Hoboken"))
    assert response.status_code == 302
    html = owner.get(f"/activity/{tenant_a.location.pk}/?kind=audit.LocationEvent").content.decode()
    assert "Settings changed" in html and tenant_a.owner.email in html and "via portal" in html
    assert f"<strong>city</strong>: <del>{before}</del> → <ins>Hoboken</ins>" in html


@pytest.mark.django_db
def test_a_team_role_change_shows_with_before_and_after(tenant_a):
    owner = login(tenant_a.owner)
    membership = Membership.objects.get(user=tenant_a.viewer, location=tenant_a.location)
    assert owner.post(f"/settings/team/{membership.pk}/role/", {"role": "manager"}).status_code == 302
    assert Membership.objects.get(pk=membership.pk).role == "manager"
    html = owner.get(f"/activity/{tenant_a.location.pk}/?kind=audit.MembershipEvent").content.decode()
    assert f"{tenant_a.viewer.email} as manager" in html
    assert "<strong>role</strong>: <del>viewer</del> → <ins>manager</ins>" in html


@pytest.mark.django_db
def test_a_conflict_answer_shows_with_before_and_after_and_in_the_csv(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    owner = login(tenant_a.owner)
    owner.post(f"/conflicts/{conflict.pk}/respond/", {"decision": "decline", "notes": "=cmd|' /C calc'!A0"})
    html = owner.get(f"/activity/{tenant_a.location.pk}/?kind=audit.ConflictEvent").content.decode()
    assert "Conflicts changed" in html and f"#{conflict.pk}" in html
    assert "<strong>status</strong>: <del>pending</del> → <ins>declined</ins>" in html
    response = owner.get(f"/activity/{tenant_a.location.pk}/export.csv?kind=audit.ConflictEvent")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    changed = {row["field"]: (row["before"], row["after"]) for row in rows if row["action"] == "changed"}
    assert changed["status"] == ("pending", "declined")
    assert changed["owner notes"] == ("", "'=cmd|' /C calc'!A0"), "CSV cells are neutralised"
    assert {row["who"] for row in rows if row["action"] == "changed"} == {f"{tenant_a.owner} <{tenant_a.owner.email}>"}


@pytest.mark.django_db
def test_another_tenants_history_is_404_and_only_owners_read_their_own(tenant_a, tenant_b):
    for url in (f"/activity/{tenant_b.location.pk}/", f"/activity/{tenant_b.location.pk}/export.csv"):
        assert login(tenant_a.owner).get(url).status_code == 404
    assert login(tenant_a.viewer).get(f"/activity/{tenant_a.location.pk}/").status_code == 403
    response = login(tenant_a.owner).get("/activity/")
    assert response.status_code == 302 and response.url == f"/activity/{tenant_a.location.pk}/"


@pytest.mark.django_db
def test_changes_of_another_location_never_show(tenant_a, tenant_b):
    login(tenant_b.owner).post(f"/settings/{tenant_b.location.pk}/", _settings(tenant_b.location, city="Elsewhere"))
    html = login(tenant_a.owner).get(f"/activity/{tenant_a.location.pk}/").content.decode()
    assert "Elsewhere" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["since=yesterday", "until=99999-01-01", "since=1800-01-01", "kind=auth.User"])
def test_bad_filters_answer_400_naming_the_field(tenant_a, query):
    response = login(tenant_a.owner).get(f"/activity/{tenant_a.location.pk}/?{query}")
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()


@pytest.mark.django_db
def test_writes_outside_a_request_are_attributed_to_the_system(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    type(conflict).objects.filter(pk=conflict.pk).update(status="expired")
    html = login(tenant_a.owner).get(f"/activity/{tenant_a.location.pk}/?kind=audit.ConflictEvent").content.decode()
    assert "ProNexis (system)" in html and "<ins>expired</ins>" in html


@pytest.mark.django_db
def test_staff_read_a_records_history_in_admin(staff, tenant_a):
    from tests.conftest import verified_login

    login(tenant_a.owner).post(f"/settings/{tenant_a.location.pk}/", _settings(tenant_a.location, city="Hoboken"))
    admin = Client()
    verified_login(admin, staff)
    page = admin.get(f"/admin/accounts/location/{tenant_a.location.pk}/change/").content.decode()
    assert f"/admin/pghistory/events/?method=tracks&obj=accounts.Location:{tenant_a.location.pk}&" in page
    events = admin.get(f"/admin/pghistory/events/?method=tracks&obj=accounts.Location:{tenant_a.location.pk}")
    assert events.status_code == 200 and "Hoboken" in events.content.decode()


@pytest.mark.django_db
def test_an_answer_through_the_api_names_the_token_and_its_user(tenant_a):
    from tests.conftest import token_client

    conflict = ConflictFactory(location=tenant_a.location)
    api = token_client(tenant_a.owner, "location")
    response = api.post(f"/api/v1/conflicts/{conflict.pk}/respond/", {"decision": "approve"}, format="json")
    assert response.status_code == 200
    html = login(tenant_a.owner).get(f"/activity/{tenant_a.location.pk}/?kind=audit.ConflictEvent").content.decode()
    assert f"{tenant_a.owner} (API token “location token”)" in html and "via API" in html


@pytest.mark.django_db
def test_the_activity_page_costs_the_same_whatever_the_history(tenant_a, django_assert_num_queries):
    owner = login(tenant_a.owner)
    location = tenant_a.location
    for city in ("One", "Two", "Three"):
        owner.post(f"/settings/{location.pk}/", _settings(location, city=city))
    owner.get(f"/activity/{location.pk}/")  # warm the session
    # session, user, the access flags (agent / brand / owner), the Location (visible_to), the
    # role check, the page count, the page of events, the people named in it, the switcher's
    # Locations
    with django_assert_num_queries(9):
        assert owner.get(f"/activity/{location.pk}/").status_code == 200
    for city in ("Four", "Five", "Six"):
        owner.post(f"/settings/{location.pk}/", _settings(location, city=city))
    with django_assert_num_queries(9):
        assert "Six" in owner.get(f"/activity/{location.pk}/").content.decode()
