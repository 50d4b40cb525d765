import re

import pytest

from accounts.models import ApiToken


@pytest.mark.django_db
def test_owner_creates_and_revokes_own_token(client, tenant_a):
    client.force_login(tenant_a.owner)
    response = client.post(f"/settings/{tenant_a.location.pk}/tokens/", {"name": "Website"})
    key = re.search(r"(pnx_[\w-]+)", response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert token.scope == "location" and token.user == tenant_a.owner
    assert key not in client.get(f"/settings/{tenant_a.location.pk}/").content.decode()
    assert client.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db
def test_someone_elses_token_is_404(client, tenant_a, tenant_b):
    token, _ = ApiToken.issue(user=tenant_b.owner, name="theirs", scope="location")
    client.force_login(tenant_a.owner)
    assert client.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_managers_cannot_create_tokens(client, tenant_a):
    client.force_login(tenant_a.manager)
    assert client.post(f"/settings/{tenant_a.location.pk}/tokens/", {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()
