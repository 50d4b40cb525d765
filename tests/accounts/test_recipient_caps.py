"""Caps per Location (#9 item 8): notification e-mail addresses and distribution-list numbers,
10 each by default (settings), refused with a clear error by the settings form, admin (the
model's clean) and the settings service."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Location
from tests.accounts.test_settings_views import _post_settings


def _emails(n: int) -> str:
    return "\n".join(f"office{i}@example.test" for i in range(n))


def _numbers(n: int) -> str:
    return "\n".join(f"+1917555{i:04d}" for i in range(n))


@pytest.mark.django_db
def test_the_default_caps_are_ten_each(settings):
    assert (settings.LOCATION_MAX_NOTIFICATION_EMAILS, settings.LOCATION_MAX_DISTRIBUTION_NUMBERS) == (10, 10)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, over, message",
    [
        ("notification_emails", _emails(11), "At most 10 notification e-mail addresses per Location; this list has 11"),
        ("sms_distribution_list", _numbers(11), "At most 10 distribution-list numbers per Location; this list has 11"),
        ("notification_emails", _emails(3000), "this list has 3000"),
    ],
)
def test_the_settings_form_refuses_a_list_over_the_cap_and_writes_nothing(client, tenant_a, field, over, message):
    client.force_login(tenant_a.owner)
    before = Location.objects.filter(pk=tenant_a.location.pk).values().get()
    response = _post_settings(client, tenant_a.location, **{field: over})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Location.objects.filter(pk=tenant_a.location.pk).values().get() == before


@pytest.mark.django_db
def test_a_list_at_the_cap_is_saved(client, tenant_a):
    client.force_login(tenant_a.owner)
    lists = {"notification_emails": _emails(10), "sms_distribution_list": _numbers(10)}
    response = _post_settings(client, tenant_a.location, **lists)
    assert response.status_code == 302 and response.url == reverse("location_settings", args=[tenant_a.location.pk])
    location = Location.objects.get(pk=tenant_a.location.pk)
    assert (len(location.notification_emails), len(location.sms_distribution_list)) == (10, 10)


@pytest.mark.django_db
def test_the_cap_is_a_setting_and_the_model_enforces_it_for_admin(tenant_a, settings):
    """Django admin's form validates through Location.full_clean(), like any ModelForm."""
    settings.LOCATION_MAX_NOTIFICATION_EMAILS = 2
    location = tenant_a.location
    location.notification_emails = ["a@example.test", "b@example.test", "c@example.test"]
    with pytest.raises(ValidationError) as refused:
        location.full_clean()
    assert refused.value.message_dict["notification_emails"] == [
        "At most 2 notification e-mail addresses per Location; this list has 3."
    ]


@pytest.mark.django_db
def test_the_admin_change_form_shows_the_error(tenant_a, staff, settings):
    from django.contrib import admin
    from django.test import RequestFactory

    settings.LOCATION_MAX_DISTRIBUTION_NUMBERS = 1
    request = RequestFactory().get("/")
    request.user = staff
    model_admin = admin.site._registry[Location]
    form_class = model_admin.get_form(request, tenant_a.location)
    location = tenant_a.location
    data = {name: value for name, value in form_class(instance=location).initial.items() if value is not None}
    data.update(sms_distribution_list="+19175550100,+19175550101", services_offered=[], meeting_types="office")
    data["brand"] = location.brand_id
    form = form_class(data, instance=location)
    assert not form.is_valid()
    assert form.errors["sms_distribution_list"] == [
        "At most 1 distribution-list numbers per Location; this list has 2."
    ]


@pytest.mark.django_db
def test_the_settings_service_refuses_a_list_over_the_cap(tenant_a, settings):
    from accounts.forms import LocationSettingsForm
    from accounts.services import location_update_settings

    location = tenant_a.location
    form = LocationSettingsForm(instance=location)
    settings.LOCATION_MAX_NOTIFICATION_EMAILS = 0
    location.notification_emails = ["a@example.test"]
    with pytest.raises(ValidationError):
        location_update_settings(location=location, actor=tenant_a.owner, form=form)
    assert Location.objects.get(pk=location.pk).notification_emails != ["a@example.test"]


@pytest.mark.django_db
def test_a_list_stored_before_the_caps_is_not_fanned_out_in_full(tenant_a, django_capture_on_commit_callbacks):
    """A Location saved with 3,000 addresses before the cap (no clean() on a queryset update):
    one notification still queues at most the cap's e-mails and texts."""
    from notifications import outbox
    from notifications.models import Notification
    from tests.factories import OfficeMessageFactory

    Location.objects.filter(pk=tenant_a.location.pk).update(
        notification_emails=[f"office{i}@example.test" for i in range(3000)],
        sms_distribution_enabled=True,
        sms_distribution_list=[f"+1917555{i:04d}" for i in range(30)],
    )
    location = Location.objects.get(pk=tenant_a.location.pk)
    message = OfficeMessageFactory(location=location)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.notify_location(
            location=location, kind="office_message", subject=message, context={"message": message}, idempotency_key="k"
        )
    channels = list(Notification.objects.filter(location=location).values_list("channel", flat=True))
    assert (channels.count("email"), channels.count("sms")) == (10, 10)
