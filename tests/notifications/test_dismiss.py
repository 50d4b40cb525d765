"""Failed deliveries can be dismissed (issue #11): owners and managers of the Location, from the
Action Center's line (HTMX or a plain POST); the line and the live count go, the delivery history
keeps it; another tenant's delivery is 404, a viewer 403, a delivery that did not fail 409."""

from __future__ import annotations

import pytest
from django.utils import timezone

from notifications.models import Notification
from tests.clients import login
from tests.support_notifications import NotificationFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def failed(location, **kwargs) -> Notification:
    return NotificationFactory(location=location, status=Notification.Status.FAILED, last_error="21211", **kwargs)


def test_the_owner_dismisses_a_failed_delivery_in_place(clock, tenant_a):
    delivery = failed(tenant_a.location)
    owner = login(tenant_a.owner)
    page = owner.get("/dashboard/").content.decode()
    assert f'id="line-failed_delivery-{delivery.pk}"' in page
    assert f'hx-post="/deliveries/{delivery.pk}/dismiss/"' in page
    assert owner.get("/live/").json()["failed_deliveries"] == 1

    response = owner.post(f"/deliveries/{delivery.pk}/dismiss/", **HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "pending-answered"
    assert "Dismissed" in response.content.decode()
    delivery.refresh_from_db()
    assert (delivery.dismissed_at, delivery.dismissed_by_id) == (timezone.now(), tenant_a.owner.pk)
    assert delivery.status == "failed"  # still a failure in the delivery history
    assert f'id="line-failed_delivery-{delivery.pk}"' not in owner.get("/dashboard/").content.decode()
    assert owner.get("/live/").json()["failed_deliveries"] == 0

    # A second dismissal (another tab, the manager) keeps the first.
    login(tenant_a.manager).post(f"/deliveries/{delivery.pk}/dismiss/", **HTMX)
    delivery.refresh_from_db()
    assert delivery.dismissed_by_id == tenant_a.owner.pk


def test_a_plain_post_goes_back_where_it_came_from(tenant_a):
    delivery = failed(tenant_a.location)
    response = login(tenant_a.manager).post(f"/deliveries/{delivery.pk}/dismiss/", {"next": "/dashboard/?x=1"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/?x=1"
    delivery.refresh_from_db()
    assert delivery.dismissed_by_id == tenant_a.manager.pk


def test_who_may_dismiss_and_what(tenant_a, tenant_b):
    delivery = failed(tenant_a.location)
    viewer = login(tenant_a.viewer)
    assert f"/deliveries/{delivery.pk}/dismiss/" not in viewer.get("/dashboard/").content.decode()  # no button
    refused = viewer.post(f"/deliveries/{delivery.pk}/dismiss/", **HTMX)
    assert refused.status_code == 403 and "may not dismiss a failed delivery" in refused.content.decode()
    assert login(tenant_a.viewer).post(f"/deliveries/{delivery.pk}/dismiss/").status_code == 403
    assert login(tenant_b.owner).post(f"/deliveries/{delivery.pk}/dismiss/", **HTMX).status_code == 404
    assert login(tenant_a.brand_user).post(f"/deliveries/{delivery.pk}/dismiss/", **HTMX).status_code in (403, 404)
    sent = NotificationFactory(location=tenant_a.location, status=Notification.Status.SENT)
    not_failed = login(tenant_a.owner).post(f"/deliveries/{sent.pk}/dismiss/", **HTMX)
    assert not_failed.status_code == 409 and "Only a failed delivery" in not_failed.content.decode()
    assert login(tenant_a.owner).get(f"/deliveries/{delivery.pk}/dismiss/").status_code == 405
    delivery.refresh_from_db()
    sent.refresh_from_db()
    assert delivery.dismissed_at is None and sent.dismissed_at is None
