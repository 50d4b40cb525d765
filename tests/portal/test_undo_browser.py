"""Remove asks first and offers Undo for 10 s before anything is sent (issue #11); a plain form
(no HTMX) works the same way."""

from __future__ import annotations

import pytest

from accounts.models import Membership
from tests.browser_support import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_removing_a_team_member_asks_then_can_be_undone(browser, live_server, tenant_a):
    viewer = Membership.objects.get(user=tenant_a.viewer, location=tenant_a.location)
    page = browser.new_page(viewport={"width": 375, "height": 740})
    sign_in(page, live_server.url, tenant_a.owner)
    page.goto(f"{live_server.url}/settings/")
    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    remove = page.get_by_role("button", name=f"Remove {tenant_a.viewer}")

    remove.click()
    assert f"Removing {tenant_a.viewer} in" in page.inner_text(".undo-toast")
    page.get_by_role("button", name="Undo").click()
    page.locator(".undo-toast").get_by_text("Undone").wait_for()
    assert questions == [f"Remove {tenant_a.viewer} from the team? They lose access to this Location."]
    assert Membership.objects.filter(pk=viewer.pk).exists()

    # Confirmed and not undone: the form is sent when the countdown ends.
    page.locator(f"form[action='/settings/team/{viewer.pk}/remove/']").evaluate(
        "form => form.setAttribute('data-undo-seconds', '1')"
    )
    remove.click()
    page.wait_for_url("**/settings/**")
    for _ in range(40):
        if not Membership.objects.filter(pk=viewer.pk).exists():
            break
        page.wait_for_timeout(250)
    assert not Membership.objects.filter(pk=viewer.pk).exists()
    assert len(questions) == 2
