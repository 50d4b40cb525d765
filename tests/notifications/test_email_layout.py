"""E-mails people can use on a phone (issue #11): every kind is one responsive HTML document with
a plain-text twin; answers are 44 px buttons (Approve / Decline / Suggest an alternate); the
booking e-mail is paragraphs with a live link, not a <pre> block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from notifications import outbox
from tests.conftest import make_tenant
from tests.factories import BrandFactory
from tests.notifications.test_phi_mode import objects

pytestmark = pytest.mark.django_db
EMAIL_DIR = Path(outbox.__file__).parent / "templates" / "notifications" / "email"
KINDS = sorted(p.stem for p in EMAIL_DIR.glob("*.txt") if not p.stem.startswith("_"))


def email_of(kind: str, phi: bool = False):
    tenant = make_tenant(brand=BrandFactory(name=f"Layout {phi}", phi_mode=phi), name=f"Layout {phi}")
    context = objects(tenant.location)
    context["links"] = {
        "approve": "https://p.test/a/1",
        "decline": "https://p.test/a/2",
        "alternate": "https://p.test/a/3",
    }
    return outbox._email_row(
        to="office@example.test", kind=kind, subject=context["conflict"], location=tenant.location,
        context=context, key=f"layout:{kind}",
    )  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_one_responsive_document_with_a_plain_text_twin(kind, vapid):
    row = email_of(kind)
    html = row.html_body
    assert html.lstrip().startswith("<!doctype html>") and html.count("<html") == 1
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@media (max-width: 620px)" in html and "<pre" not in html
    assert "<title>" in html and 'class="card"' in html
    assert row.body and "<" not in re.sub(r"<https?://[^>]+>", "", row.body)  # the twin is plain text


def test_answers_are_44px_buttons(vapid):
    html = email_of("conflict_raised").html_body
    buttons = re.findall(r'<a class="btn" href="([^"]+)" style="([^"]+)">([^<]+)</a>', html)
    labels = [label for _, _, label in buttons]
    assert labels[:3] == ["Approve", "Decline", "Suggest an alternate"]
    assert [url for url, _, _ in buttons[:3]] == ["https://p.test/a/1", "https://p.test/a/2", "https://p.test/a/3"]
    assert all("min-height:44px" in style for _, style, _ in buttons)


def test_the_booking_email_is_paragraphs_with_a_live_link(vapid):
    row = email_of("booking")
    assert "<p>" in row.html_body and "<pre" not in row.html_body
    assert re.search(r'<a href="https?://[^"]+"', row.html_body)
