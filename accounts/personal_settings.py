"""A user's own settings that apps above accounts contribute (notifications: the devices that
receive push notifications). Each registers at start-up (its apps.ready) a function
`request -> dict` whose keys join the context of the Settings and sessions pages, so accounts
imports no app above it."""

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
