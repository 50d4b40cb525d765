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
