"""Where an SMS's one short link (`/n/<code>/`) leads. By default, after login, the item's portal
page. An app above may register, per notification kind, a page that answers without a login (the
short code, random and single-recipient, is then the credential — as a signed link would be);
the provider returns None to keep the login (a PHI brand, an item no longer waiting)."""

from __future__ import annotations

from collections.abc import Callable

from .models import Notification

_providers: dict[str, Callable[[Notification], str | None]] = {}


def register_short_link(kind: str, provider: Callable[[Notification], str | None]) -> None:
    _providers[kind] = provider


def answer_page(short_code: str) -> str | None:
    """The no-login page an SMS's short link opens, if its kind registered one. The lookup by the
    code itself is the capability check: nothing of the row is shown, only where it leads."""
    notification = Notification.objects.filter(short_code=short_code, channel=Notification.Channel.SMS).first()
    if notification is None:
        return None
    provider = _providers.get(notification.kind)
    return provider(notification) if provider else None
