"""Screenshots of the product for the README (docs/screenshots/*.png), taken with Debian's Chromium.

Against a running demo (`make run`, or any server with `manage.py seed_demo` data):

    DEBUG=1 .venv/bin/python docs/screenshots/take.py http://127.0.0.1:8000

It needs the same DATABASE_URL as the server: the e-mail is rendered from a demo conflict by the
outbox's own templates (a "conflict_raised" e-mail to the Location's notification address).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pronexis.settings")


def conflict_email_html() -> str:
    import django

    django.setup()
    from conflicts.models import Conflict
    from conflicts.services import _notify_conflict
    from notifications.models import Notification

    conflict = Conflict.objects.filter(status="pending", location__name__contains="Brooklyn").first()
    key = f"screenshot:{conflict.pk}"
    _notify_conflict(conflict, kind="conflict_raised", key=key)
    return Notification.objects.filter(idempotency_key__startswith=key, channel="email").first().html_body


def main(base: str) -> None:
    from playwright.sync_api import sync_playwright

    html = conflict_email_html()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-background-networking"]
        )

        def signed_in(width: int, height: int):
            page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", "owner@demo.test")
            page.fill("input[name=password]", "demo")
            page.click("button[type=submit]")
            page.wait_for_url("**/dashboard/")
            return page

        phone = signed_in(375, 812)
        phone.screenshot(path=str(OUT / "action-center-phone.png"))
        desk = signed_in(1280, 860)
        desk.goto(f"{base}/calendar/?view=month")
        desk.screenshot(path=str(OUT / "calendar-month.png"))
        mail = browser.new_page(viewport={"width": 375, "height": 812})
        mail.set_content(html)
        mail.screenshot(path=str(OUT / "email-conflict-phone.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
