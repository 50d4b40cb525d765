"""A user's signed-in sessions (issue #14): listed in Settings, signed out "everywhere else",
and signed out when the password changes or two-factor sign-in is set up."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import User, UserSession


def _store(session_key: str | None = None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def session_record(*, request, user: User) -> None:
    """Called at each sign-in (after Django gave the session its new key)."""
    key = request.session.session_key
    if not key:
        return
    meta = getattr(request, "META", {})
    UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "user_agent": (meta.get("HTTP_USER_AGENT") or "")[:300],
            "ip_address": meta.get("REMOTE_ADDR") or None,
            "created_at": timezone.now(),
        },
    )


def session_forget(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def sessions_of(user: User):
    """The user's sessions that still exist in the session store (expired ones are not shown)."""
    alive = Session.objects.filter(session_key=OuterRef("session_key"), expire_date__gt=timezone.now())
    return UserSession.objects.filter(user=user).filter(Exists(alive))


def sessions_sign_out_others(*, user: User, keep: str | None) -> int:
    """Deletes every other session of the user from the session store; returns how many."""
    others = list(UserSession.objects.filter(user=user).exclude(session_key=keep or ""))
    for row in others:
        _store(row.session_key).delete()
    UserSession.objects.filter(pk__in=[row.pk for row in others]).delete()
    return len(others)


def sessions_forget_key(*, users, key: str) -> None:
    """Drops one cached value (e.g. the two-factor policy) from every session of these users, so
    each recomputes it on its next request."""
    for row in UserSession.objects.filter(user__in=users):
        store = _store(row.session_key)
        if key in store:
            del store[key]
            store.save()
