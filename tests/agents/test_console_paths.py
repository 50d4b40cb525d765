"""The two paths an agent walks with a caller on the line, counted and timed in Chromium at
1280×800 with the clock pinned (Wednesday noon in New York: "within 24 h" and business hours
depend on it):

- a new caller: type the number called, open the card, create the lead, pick a free slot,
  confirm — at most 8 keyboard actions, and the page never scrolls;
- a same-day caller: a slot within 24 h raises the same-day request, the agent calls the owner,
  records the phone approval, and the appointment is booked — no error page on the way.

Both end with the owner seeing the result on the dashboard. A keyboard action is one key press
(Tab, Enter, j, …) or typing one field's value.
"""

from __future__ import annotations

import re
import time

import pytest

from calendars.models import Appointment
from conflicts.models import SameDayRequest
from leads.models import Lead
from tests.agents.test_browser import login
from tests.factories import LocationPhoneNumberFactory, week_of_windows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1280, 800
MAX_ACTIONS = 8


class Keyboard:
    """Counts and times keyboard actions, and checks after each that nothing scrolled and the
    focused element is on screen."""

    def __init__(self, page):
        self.page = page
        self.steps: list[tuple[str, float]] = []
        self.started = time.perf_counter()

    @property
    def count(self) -> int:
        return len(self.steps)

    def _record(self, what: str) -> None:
        self.steps.append((what, round(time.perf_counter() - self.started, 3)))

    def type(self, text: str, what: str) -> None:
        self.page.keyboard.type(text)
        self._record(what)
        self.on_screen()

    def press(self, key: str, what: str, *, then=None) -> None:
        self.page.keyboard.press(key)
        if then is not None:
            then()
        self._record(what)
        self.on_screen()

    def focused(self, selector: str) -> bool:
        return self.page.evaluate(f"document.activeElement && document.activeElement.matches({selector!r})")

    def on_screen(self) -> None:
        self.page.wait_for_load_state()
        assert self.page.evaluate("window.scrollY") == 0, f"the page scrolled after {self.steps[-1][0]}"
        box = self.page.evaluate(
            "(() => { const r = document.activeElement.getBoundingClientRect();"
            " return [r.top, r.bottom, r.left, r.right]; })()"
        )
        top, bottom, left, right = box
        assert 0 <= top and bottom <= HEIGHT and 0 <= left and right <= WIDTH, (self.steps[-1][0], box)

    def report(self, title: str) -> str:
        lines = [f"{title}: {self.count} keyboard actions, {self.steps[-1][1]:.2f} s"]
        lines += [f"  {n}. {what} ({at:.2f} s)" for n, (what, at) in enumerate(self.steps, 1)]
        return "\n".join(lines)


@pytest.fixture
def bookable(clock, tenant_a):
    location = tenant_a.location
    LocationPhoneNumberFactory(location=location, number="+17185550190")
    week_of_windows(location, weekdays=range(5))  # Monday–Friday 9:00–17:00
    return location


def agent_page(browser, live_server, agent):
    page = login(browser, live_server, agent, width=WIDTH)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    assert page.url == f"{live_server.url}/agent/", "agents land on their console after login"
    bad = []
    page.on(
        "response", lambda r: bad.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None
    )
    page.bad_responses = bad
    return page


def owner_dashboard(browser, live_server, owner):
    page = login(browser, live_server, owner, width=WIDTH)
    page.goto(f"{live_server.url}/dashboard/")
    return page


def test_new_caller_is_booked_in_eight_keyboard_actions_without_scrolling(
    browser,
    live_server,
    agent,
    tenant_a,
    bookable,
    capsys,
):
    page = agent_page(browser, live_server, agent)
    keys = Keyboard(page)
    assert keys.focused("#id_q")  # the finder has the focus on arrival
    keys.type("(718) 555-0190", "type the number called")
    keys.press("Enter", "open the Location card", then=lambda: page.wait_for_url(re.compile(r"/agent/locations/\d+/")))
    assert page.locator("[data-testid=routing-action]").get_attribute("data-action") == "book"
    assert keys.focused("#id_phone")  # the new lead's phone is where the agent types next
    keys.type("347 555 0142", "type the caller's phone")
    keys.press("Tab", "to the first name")
    keys.type("Ada", "type the first name")
    keys.press("Enter", "create the lead", then=lambda: page.wait_for_url(re.compile(r"/agent/leads/\d+/")))
    lead = Lead.objects.get()
    assert lead.status == "in_process"
    # The first slot bookable without the owner's approval has the focus: Thursday 12:00, 24 h on.
    assert keys.focused("a[data-slot]")
    focused_label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused_label == "Thursday, March 7, 12:00 PM, in the office"
    keys.press("Enter", "pick the free slot", then=lambda: page.wait_for_selector("[data-testid=confirm]"))
    assert page.locator("#book_address").input_value() == "1 Main Street, Brooklyn NY"  # the office, prefilled
    assert keys.focused("[data-testid=confirm] button[type=submit]")
    keys.press(
        "Enter", "confirm", then=lambda: page.wait_for_selector("[data-testid=lead-status]:text-is('Converted')")
    )

    assert keys.count <= MAX_ACTIONS, keys.report("new caller")
    appointment = Appointment.objects.get()
    local = appointment.start.astimezone(bookable.zone)
    assert (local.isoformat(), appointment.meeting_type) == ("2030-03-07T12:00:00-05:00", "office")
    assert page.bad_responses == [] and page.errors == []
    with capsys.disabled():
        print("\n" + keys.report("new caller (type number → card → lead → slot → confirm)"))

    owner = owner_dashboard(browser, live_server, tenant_a.owner)
    recent = owner.locator("section", has=owner.get_by_role("heading", name="Recent leads"))
    assert re.search(r"Ada\b.*Converted", recent.inner_text(), re.S)


def test_same_day_slot_asks_the_owner_and_books_on_their_phone_approval(
    browser,
    live_server,
    agent,
    tenant_a,
    bookable,
    capsys,
):
    lead = Lead.objects.create(
        brand=bookable.brand, location=bookable, first_name="Sam", last_name="Soon", phone="+13475550177"
    )
    page = agent_page(browser, live_server, agent)
    page.goto(f"{live_server.url}/agent/leads/{lead.pk}/")
    keys = Keyboard(page)
    assert keys.focused("a[data-slot]")  # Thursday 12:00, the first slot that needs no approval
    keys.press("k", "back to a slot within 24 h")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label == "Thursday, March 7, 11:00 AM, in the office: within 24 hours, ask the owner"
    keys.press("Enter", "raise the same-day request", then=lambda: page.wait_for_selector("[data-testid=calling]"))
    request = SameDayRequest.objects.get()
    assert request.status == "pending" and request.requested_start.astimezone(bookable.zone).hour == 11
    assert "Calling the owner…" in page.locator("[data-testid=calling]").inner_text()
    assert keys.focused("[data-testid=calling] button")  # "The owner approved: book it"
    keys.press(
        "Enter",
        "record the owner's approval by phone",
        then=lambda: page.wait_for_selector("[data-testid=lead-status]:text-is('Converted')"),
    )

    request.refresh_from_db()
    appointment = Appointment.objects.get()
    assert (request.status, request.response_channel, appointment.same_day_request) == ("approved", "phone", request)
    assert page.locator("[data-testid=error]").count() == 0 and "/api/" not in page.content()
    assert page.bad_responses == [] and page.errors == []
    with capsys.disabled():
        print("\n" + keys.report("same-day (slot within 24 h → request → owner approves by phone → booked)"))

    owner = owner_dashboard(browser, live_server, tenant_a.owner)
    recent = owner.locator("section", has=owner.get_by_role("heading", name="Recent leads"))
    assert re.search(r"Sam Soon.*Converted", recent.inner_text(), re.S)
