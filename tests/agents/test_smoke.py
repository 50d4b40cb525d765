import pytest

pytestmark = pytest.mark.django_db


def test_pages_render(console, tenant_a, line_a, open_weekdays):
    from tests.factories import LeadFactory

    lead = LeadFactory(location=tenant_a.location)
    for url in [
        "/agent/",
        "/agent/?q=7185550190",
        "/agent/?q=Location",
        f"/agent/locations/{tenant_a.location.pk}/",
        f"/agent/locations/{tenant_a.location.pk}/leads/new/",
        f"/agent/locations/{tenant_a.location.pk}/messages/new/",
        f"/agent/leads/{lead.pk}/",
        "/agent/callbacks/",
        "/agent/calls/",
    ]:
        response = console.get(url, follow=True)
        assert response.status_code == 200, (url, response.content[:3000])
