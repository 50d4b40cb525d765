"""A number that texted STOP is flagged in Settings (issue #11), read from the opt-out state: the
distribution list's numbers, the team's own mobiles and the user's own; START clears the flag."""

from __future__ import annotations

import pytest
from django.test import Client

from notifications.optouts import location_numbers_opted_out, sms_opt_out_set

pytestmark = pytest.mark.django_db


def settings_page(tenant) -> str:
    client = Client()
    client.force_login(tenant.owner)
    return client.get(f"/settings/{tenant.location.pk}/").content.decode()


def test_numbers_that_texted_stop_are_flagged_until_they_text_start(tenant_a, tenant_b):
    location = tenant_a.location
    location.sms_distribution_enabled = True
    location.sms_distribution_list = ["+12125550101", "+12125550102"]
    location.save()
    tenant_a.owner.mobile = "+19175550123"
    tenant_a.owner.save(update_fields=["mobile"])
    tenant_a.manager.mobile = "+19175550124"
    tenant_a.manager.save(update_fields=["mobile"])
    tenant_b.owner.mobile = "+19175550999"
    tenant_b.owner.save(update_fields=["mobile"])

    assert 'id="stopped-numbers"' not in settings_page(tenant_a)
    for number in ("+12125550102", "+19175550123", "+19175550124", "+19175550999"):
        sms_opt_out_set(number=number, opted_out=True)
    assert location_numbers_opted_out(location) == {"+12125550102", "+19175550123", "+19175550124"}

    page = settings_page(tenant_a)
    flagged = page[page.index('id="stopped-numbers"') :]
    flagged = flagged[: flagged.index("</div>")]
    assert "1 number of the distribution list texted STOP" in flagged
    assert "(212) 555-0102" in flagged and "(212) 555-0101" not in flagged
    assert 'id="mobile-stopped"' in page  # the owner's own mobile
    assert page.count("Mobile texted STOP") == 2  # the owner and the manager in the team table

    sms_opt_out_set(number="+12125550102", opted_out=False)  # START
    sms_opt_out_set(number="+19175550123", opted_out=False)
    page = settings_page(tenant_a)
    assert 'id="stopped-numbers"' not in page and 'id="mobile-stopped"' not in page
    assert page.count("Mobile texted STOP") == 1


def test_the_flags_cost_one_query(tenant_a, django_assert_num_queries):
    tenant_a.location.sms_distribution_list = ["+12125550101"]
    with django_assert_num_queries(1):
        location_numbers_opted_out(tenant_a.location)
