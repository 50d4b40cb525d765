"""Phone-first rows: a lead row and an inbox row carry a tap-to-call `tel:` link with the
number in E.164 (the inbox shows the caller's callback number)."""

from __future__ import annotations

import pytest

from tests.factories import LeadFactory, OfficeMessageFactory

pytestmark = pytest.mark.django_db


def test_a_lead_row_calls_the_lead_with_one_tap(client, tenant_a):
    LeadFactory(location=tenant_a.location, first_name="Maria", last_name="Lopez", phone="+12125550111")
    client.force_login(tenant_a.owner)
    html = client.get("/leads/").content.decode()
    assert 'href="tel:+12125550111"' in html
    assert 'aria-label="Call Maria Lopez at' in html


def test_the_inbox_shows_the_callback_number_as_a_tel_link(client, tenant_a):
    OfficeMessageFactory(location=tenant_a.location, caller_name="Dana Fox", callback_number="+13475550142")
    client.force_login(tenant_a.owner)
    html = client.get("/messages/").content.decode()
    assert 'href="tel:+13475550142"' in html
    assert 'aria-label="Call Dana Fox back at' in html
