"""Swagger UI at /api/docs/ renders from local files under the CSP (no violations)."""

import pytest

from tests.browser_support import sign_in
from tests.factories import UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_under_the_csp(live_server, browser):
    user = UserFactory(is_staff=True)
    page = browser.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(f"failed {r.url}"))
    sign_in(page, live_server.url, user)
    page.wait_for_load_state("networkidle")  # leaving earlier aborts the dashboard's requests
    problems.clear()
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector("text=/api/v1/leads/", timeout=15000)
    assert not [p for p in problems if "Content Security Policy" in p or "failed" in p], problems
