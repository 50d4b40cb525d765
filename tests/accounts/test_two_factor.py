"""Two-factor sign-in (issue #14): password then code → dashboard; a wrong code is refused and
counted by the lockout; staff without a confirmed device cannot reach /admin/; recovery codes
work once each; a Location can require it of its team; staff reset a lost device (audited)."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import verified_login
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _password_step(client, user, next_url=""):
    data = {"username": user.email, "password": PASSWORD} | ({"next": next_url} if next_url else {})
    return client.post("/accounts/login/" + (f"?next={next_url}" if next_url else ""), data)


def test_password_then_code_leads_to_the_dashboard(clock, tenant_a):
    device = _device(tenant_a.owner)
    client = Client()
    response = _password_step(client, tenant_a.owner)
    assert response.status_code == 302 and response.url == "/accounts/2fa/verify/"
    assert client.get("/dashboard/").status_code == 302, "not signed in before the code"
    response = client.post("/accounts/2fa/verify/", {"code": _code(device)})
    assert response.status_code == 302 and response.url == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_the_code_step_keeps_the_page_asked_for(clock, tenant_a):
    device = _device(tenant_a.owner)
    client = Client()
    _password_step(client, tenant_a.owner, next_url="/settings/")
    assert client.post("/accounts/2fa/verify/", {"code": _code(device)}).url == "/settings/"


def test_users_without_a_device_sign_in_with_the_password_alone(tenant_a):
    client = Client()
    response = _password_step(client, tenant_a.owner)
    assert response.status_code == 302 and response.url == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_a_wrong_code_is_refused_and_counted_by_the_lockout(clock, tenant_a, settings):
    device = _device(tenant_a.owner)
    client = Client()
    _password_step(client, tenant_a.owner)
    response = client.post("/accounts/2fa/verify/", {"code": "000000" if _code(device) != "000000" else "111111"})
    assert response.status_code == 400 and "That code is not right" in response.content.decode()
    assert AccessAttempt.objects.get(username=tenant_a.owner.email).failures_since_start == 1
    assert client.get("/dashboard/").status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        clock.shift(60)  # past django-otp's own throttle: the lockout is what stops it here
        response = client.post("/accounts/2fa/verify/", {"code": "12345x"})
    assert response.status_code == 429 and "Too many failed log-ins" in response.content.decode()
    clock.shift(60)
    right = client.post("/accounts/2fa/verify/", {"code": _code(device)})
    assert right.status_code == 429, "locked: even the right code is refused"
    assert client.get("/dashboard/").status_code == 302


def test_wrong_passwords_and_wrong_codes_share_one_lockout(clock, tenant_a, settings):
    device = _device(tenant_a.owner)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": tenant_a.owner.email, "password": "wrong"})
    _password_step(client, tenant_a.owner)
    clock.shift(60)
    assert client.post("/accounts/2fa/verify/", {"code": "99999z"}).status_code == 429
    clock.shift(60)
    assert client.post("/accounts/2fa/verify/", {"code": _code(device)}).status_code == 429


def test_the_code_step_expires(clock, tenant_a, settings):
    device = _device(tenant_a.owner)
    client = Client()
    _password_step(client, tenant_a.owner)
    clock.shift(settings.LOGIN_CODE_STEP_SECONDS + 1)
    response = client.post("/accounts/2fa/verify/", {"code": _code(device)})
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert client.get("/dashboard/").status_code == 302


def test_staff_without_a_device_cannot_reach_admin(staff):
    client = Client()
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url == "/accounts/2fa/?next=%2Fadmin%2F"
    assert client.get("/admin/accounts/user/").status_code == 302
    assert client.get("/agent/").status_code == 200, "the rest of the portal stays open"


def test_staff_with_a_device_must_pass_the_code_step_for_admin(clock, staff):
    device = _device(staff)
    client = Client()
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/accounts/2fa/verify/")
    response = client.post("/accounts/2fa/verify/?next=/admin/", {"code": _code(device), "next": "/admin/"})
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def _set_up(client) -> tuple[TOTPDevice, list[str]]:
    assert client.post("/accounts/2fa/setup/").status_code == 302
    page = client.get("/accounts/2fa/").content.decode()
    assert "<svg" in page and "Turn on" in page
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post("/accounts/2fa/confirm/", {"code": _code(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    return device, codes


def test_set_up_confirms_the_app_and_gives_ten_recovery_codes_that_work_once_each(clock, tenant_a):
    owner = Client()
    owner.force_login(tenant_a.owner)
    _, codes = _set_up(owner)
    for code in codes[:2]:
        client = Client()
        _password_step(client, tenant_a.owner)
        response = client.post("/accounts/2fa/verify/", {"code": code.upper()})
        assert response.status_code == 302 and response.url == "/dashboard/", code
    clock.shift(60)
    again = Client()
    _password_step(again, tenant_a.owner)
    assert again.post("/accounts/2fa/verify/", {"code": codes[0]}).status_code == 400, "used once already"
    clock.shift(60)
    assert again.post("/accounts/2fa/verify/", {"code": codes[2]}).status_code == 302
    assert StaticDevice.objects.get(user=tenant_a.owner).token_set.count() == 7


def test_setting_up_signs_out_the_users_other_sessions(clock, tenant_a):
    elsewhere = Client()
    elsewhere.force_login(tenant_a.owner)
    here = Client()
    here.force_login(tenant_a.owner)
    _set_up(here)
    assert here.get("/dashboard/").status_code == 200
    assert elsewhere.get("/dashboard/").url.startswith("/accounts/login/")


def test_a_device_set_up_elsewhere_sends_an_unverified_session_to_the_code_step(tenant_a):
    client = Client()
    client.force_login(tenant_a.owner)
    _device(tenant_a.owner)
    session = client.session
    session.pop("pnx_second_factor")  # as a session opened before this feature had none
    session.save()
    response = client.get("/leads/")
    assert response.status_code == 302 and response.url == "/accounts/2fa/verify/?next=%2Fleads%2F"
    api = client.get("/api/v1/leads/")
    assert api.status_code == 403 and "Two-factor" in api.json()["detail"]


def test_removing_needs_a_code_and_then_the_password_is_enough(clock, tenant_a):
    client = Client()
    client.force_login(tenant_a.owner)
    device, codes = _set_up(client)
    client.post("/accounts/2fa/remove/", {"code": "wrong"})
    assert TOTPDevice.objects.filter(user=tenant_a.owner).exists()
    clock.shift(60)
    client.post("/accounts/2fa/remove/", {"code": codes[0]})
    assert not TOTPDevice.objects.filter(user=tenant_a.owner).exists()
    assert not StaticDevice.objects.filter(user=tenant_a.owner).exists()
    assert _password_step(Client(), tenant_a.owner).url == "/dashboard/"


def test_a_location_that_requires_it_sends_its_team_to_set_it_up_at_once(tenant_a):
    viewer = Client()
    viewer.force_login(tenant_a.viewer)
    assert viewer.get("/dashboard/").status_code == 200
    owner = Client()
    owner.force_login(tenant_a.owner)
    location = tenant_a.location
    data = {"address": location.address, "city": location.city, "region": location.region}
    data |= {"postal_code": location.postal_code, "time_zone": location.time_zone, "require_two_factor": "on"}
    assert owner.post(f"/settings/{location.pk}/", data).status_code == 302
    response = viewer.get("/dashboard/")
    assert response.status_code == 302 and response.url == "/accounts/2fa/?next=%2Fdashboard%2F"
    assert "Your Location requires two-factor sign-in" in viewer.get("/accounts/2fa/").content.decode()
    fresh = Client()
    assert _password_step(fresh, tenant_a.manager).status_code == 302
    assert fresh.get("/leads/").url == "/accounts/2fa/?next=%2Fleads%2F"


def test_staff_reset_a_lost_device_and_the_audit_trail_names_them(clock, staff, tenant_a):
    from pghistory.models import Events

    _device(tenant_a.owner)
    admin = Client()
    verified_login(admin, staff)
    response = admin.post(
        "/admin/accounts/user/", {"action": "reset_two_factor", "_selected_action": [tenant_a.owner.pk]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=tenant_a.owner).exists()
    removed = Events.objects.filter(pgh_model="audit.TOTPDeviceEvent", pgh_label="delete").get()
    assert removed.pgh_data["user_id"] == tenant_a.owner.pk
    assert removed.pgh_context["user"] == staff.pk and removed.pgh_context["channel"] == "admin"
    assert _password_step(Client(), tenant_a.owner).url == "/dashboard/"


def test_staff_never_see_a_users_key_qr_code_or_recovery_codes_in_admin(staff, tenant_a):
    device = _device(tenant_a.owner)
    codes = two_factor_codes(tenant_a.owner)
    admin = Client()
    verified_login(admin, staff)
    page = admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in page
    assert admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code == 403
    static = StaticDevice.objects.get(user=tenant_a.owner)
    page = admin.get(f"/admin/otp_static/staticdevice/{static.pk}/change/").content.decode()
    assert not any(code in page for code in codes)


def two_factor_codes(user) -> list[str]:
    from accounts.two_factor import recovery_codes_generate

    return recovery_codes_generate(user=user)
