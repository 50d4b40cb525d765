"""Settings that apps above accounts contribute. A user's own (notifications: the devices that
receive push notifications): a function `request -> dict` whose keys join the context of the
Settings and sessions pages. A Location's (notifications: its numbers that texted STOP): a
function `(request, location) -> dict` for its Settings page. Each registers at start-up (its
apps.ready), so accounts imports no app above it."""

from __future__ import annotations

from collections.abc import Callable

_providers: list[Callable[..., dict]] = []


def add_personal_settings(provider: Callable[..., dict]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def personal_settings(request) -> dict:
    context: dict = {}
    for provider in _providers:
        context.update(provider(request))
    return context


_location_providers: list[Callable[..., dict]] = []


def add_location_settings(provider: Callable[..., dict]) -> None:
    if provider not in _location_providers:
        _location_providers.append(provider)


def location_settings_extras(request, location) -> dict:
    context: dict = {}
    for provider in _location_providers:
        context.update(provider(request, location))
    return context
