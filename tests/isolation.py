"""The tenant isolation matrix, derived from the URL resolver.

Every URL pattern that takes an object id is requested (GET and POST) by each role of tenant
A with tenant B's objects; anything but 404 (or 405, or 403 on agent-only routes) is a leak.
A new view joins by itself; a new URL kwarg must be taught to `OBJECT_KWARGS` below (the
test fails, naming it, until it is).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# kwarg name → how to make (or find) tenant B's object and return the value for the URL.
# Each capability appends its kwargs here, e.g. "lead_id": lambda b: LeadFactory(location=b.location).pk
OBJECT_KWARGS: dict[str, Callable] = {
    "location_id": lambda b: b.location.pk,
    "invitation_id": lambda b: (
        __import__("accounts.models")
        .models.Invitation.objects.create(
            location=b.location, email="invitee@example.test", role="viewer", invited_by=b.owner
        )
        .pk
    ),
    "membership_id": lambda b: b.location.memberships.filter(role="viewer").first().pk,
}

for _app in ("notifications", "leads", "calendars", "conflicts", "messaging", "agents"):
    _support = __import__(f"tests.support_{_app}", fromlist=["ISOLATION_KWARGS"])
    OBJECT_KWARGS.update(_support.ISOLATION_KWARGS)

# Routes whose argument is a capability (a secret or a signed token), not an object id; each
# has its own tests. Listed by URL name with the reason.
CAPABILITY_ROUTES = {
    "invitation_accept": "signed invitation token: tests/accounts/test_invitations.py",
    "password_reset_confirm": "Django's signed reset token",
    "api_token_revoke": "a user's own tokens only (filtered by user): tests/accounts/test_tokens.py",
    "answer_link": "signed, expiring, single-use answer link: tests/conflicts/test_links.py",
    "calendar_feed": "the Location's regenerable feed secret: tests/calendars/test_feed.py",
    "got_it_link": "signed, expiring 'Got it' link naming its user: tests/portal/test_urgent.py",
    "got_it_push": "the same signed link, POSTed by a push's button: tests/portal/test_push_got_it.py",
}

# URL prefixes that are not tenant pages: Django admin (staff), schema/docs, webhooks (signed).
SKIPPED_PREFIXES = ("admin/", "api/schema", "api/docs", "webhooks/", "static/")

# Routes only agents (or staff) may use: a portal user gets 403 before any lookup.
AGENT_ONLY_PREFIXES = ("agent/",)
AGENT_ONLY_NAMES: set[str] = set().union(
    *(
        __import__(f"tests.support_{app}", fromlist=["x"]).AGENT_ONLY_URL_NAMES
        for app in ("notifications", "leads", "calendars", "conflicts", "messaging", "agents")
    )
)

_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class ObjectRoute:
    route: str
    name: str | None
    kwargs: tuple[str, ...]

    @property
    def agent_only(self) -> bool:
        return self.route.startswith(AGENT_ONLY_PREFIXES) or (self.name or "") in AGENT_ONLY_NAMES


def object_routes(urlconf=None) -> list[ObjectRoute]:
    """Every route (portal and API) with at least one path parameter."""
    found: list[ObjectRoute] = []

    def walk(patterns, prefix: str):
        for pattern in patterns:
            route = prefix + _route_text(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                names = tuple(m.group("name") for m in _PARAM.finditer(route))
                if names and not route.startswith(SKIPPED_PREFIXES) and pattern.name not in CAPABILITY_ROUTES:
                    found.append(ObjectRoute(route=route, name=pattern.name, kwargs=names))

    walk(get_resolver(urlconf).url_patterns, "")
    return found


def _route_text(pattern) -> str:
    text = str(pattern)
    if text.startswith("^"):  # a regex pattern: turn named groups into <name>
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", text.lstrip("^").rstrip("$"))
    return text


@dataclass
class Leak:
    role: str
    method: str
    url: str
    status: int

    def __str__(self):
        return f"{self.role} {self.method} {self.url} → {self.status}"


def find_leaks(routes: list[ObjectRoute], tenant_a, tenant_b, roles=("owner", "manager", "viewer", "brand")):
    """Requests every route as each role of tenant A with tenant B's objects; returns the leaks."""
    missing = sorted({k for r in routes for k in r.kwargs if k not in OBJECT_KWARGS})
    if missing:
        raise AssertionError(f"Teach tests/isolation.py OBJECT_KWARGS these URL kwargs: {missing}")
    values: dict[str, object] = {}
    leaks: list[Leak] = []
    for role in roles:
        client = Client(raise_request_exception=False)
        client.force_login(tenant_a.user(role))
        for route in routes:
            url = "/" + route.route
            for kwarg in route.kwargs:
                if kwarg not in values:
                    values[kwarg] = OBJECT_KWARGS[kwarg](tenant_b)
                url = _PARAM.sub(lambda m, k=kwarg: str(values[k]) if m.group("name") == k else m.group(0), url)
            allowed = {404, 405} | ({403} if route.agent_only else set())
            for method in ("get", "post"):
                response = getattr(client, method)(url, HTTP_ACCEPT="application/json, text/html")
                if response.status_code not in allowed:
                    leaks.append(Leak(role, method.upper(), url, response.status_code))
    return leaks
