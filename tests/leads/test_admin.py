import pytest
from django.test import Client

from tests.conftest import verified_login
from tests.factories import CallRecordFactory, CallTaskFactory, ContactStepFactory, LeadFactory


@pytest.mark.django_db
def test_admin_pages(tenant_a, staff):
    lead = LeadFactory(location=tenant_a.location)
    CallTaskFactory(lead=lead)
    CallRecordFactory(location=tenant_a.location, lead=lead)
    ContactStepFactory(brand=tenant_a.brand, position=0)
    client = Client()
    verified_login(client, staff)
    for url in [
        "/admin/leads/lead/?status__exact=in_process&source__exact=online",
        f"/admin/leads/lead/{lead.pk}/change/",
        "/admin/leads/contactstep/",
        "/admin/leads/calltask/",
        "/admin/leads/callrecord/",
    ]:
        assert client.get(url).status_code == 200, url
    brand_page = client.get(f"/admin/accounts/brand/{tenant_a.brand.pk}/change/")
    assert brand_page.status_code == 200 and "contact_steps" in brand_page.content.decode()
