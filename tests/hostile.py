"""The hostile-input net (issue #9): every URL pattern, every parameter, hostile values per type.

The routes come from the URL resolver, so a new view joins by itself. Its parameters are derived,
not listed: for portal and agent pages, the forms the page itself renders (their fields, types
and default values, posted to their `action`); for the API, the operation's query parameters
and request body in the OpenAPI document; for every route, a common list of query names. Each
field is replaced in turn by each value of its type's table, the other fields keeping their
(valid) defaults so the hostile value reaches the code behind validation. Anything 5xx is a
finding. Every request runs in a savepoint that is rolled back, so the world stays as set up.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

# Values per parameter type. Every parameter also gets TEXT (NUL, 10 kB, empty).
TEXT = ["a\x00b", "x" * 10_240, ""]
DATE = ["0001-01-01", "9999-12-31", "2026-02-30", "12/18/2026"]
DATETIME = [
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-12-18T15:00:00-16:00",
    "2026-12-18T15:00:00+16:00",
    "2026-12-18T15:00:00",
]
TIME = ["24:00", "23:59:60", "-01:00"]
NUMBER = ["2147483648", "-1", "9223372036854775808", "1e400", "NaN", "²"]
TABLES = {"date": DATE, "datetime": DATETIME, "time": TIME, "number": NUMBER, "text": []}
# Sent to every route in every common query name at once (one request per value); POST bodies
# of routes get the first three (their forms' own fields get the typed tables below).
EVERY = [
    "\x00",
    "x" * 10_240,
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59Z",
    "2147483648",
]
# JSON bodies also get values of the wrong type.
WRONG_TYPES = [[], {"a": 1}, True, None]
MALFORMED_JSON = '{"lead": 1,'

# Query names many views read (filters, pickers, cursors); sent to every route at once.
COMMON_QUERY = (
    "date", "start", "end", "at", "day", "month", "q", "lead_q", "updated_since", "slot_from", "status",
    "location", "view", "cursor", "after", "page_size", "meeting_type", "caller", "called", "phone", "email",
    "next", "detail", "lead", "time",
)  # fmt: skip

# Django's admin (staff-only, Django's own code), static files and the interactive docs page.
SKIPPED_PREFIXES = ("admin/", "static/", "api/docs")

_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass
class Finding:
    who: str
    method: str
    url: str
    param: str
    value: object
    status: int
    error: str = ""

    @property
    def key(self):
        return (self.method, self.url, self.param, self.error.split(":")[0])

    def __str__(self):
        value = repr(self.value)
        value = value if len(value) < 40 else value[:37] + "…'"
        return f"{self.who} {self.method} {self.url} {self.param}={value} → {self.status} {self.error}"


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """The forms of a page: action, method, each field's type and default value."""

    def __init__(self, url: str):
        super().__init__()
        self.url, self.forms, self._form, self._select, self._textarea = url, [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = a.get("hx-post") or a.get("action") or self.url
            method = "post" if a.get("hx-post") else (a.get("method") or "get").lower()
            self._form = Form(method=method, action=action)
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                self._form.fields.setdefault(a["name"], "")
                self._form.types.setdefault(a["name"], "text")
                return
            self._form.fields[a["name"]] = a.get("value", "on" if kind == "checkbox" else "")
            self._form.types[a["name"]] = {
                "date": "date",
                "datetime-local": "datetime",
                "time": "time",
                "number": "number",
            }.get(kind, "text")
        elif tag == "select":
            self._select = a["name"]
            self._form.fields.setdefault(self._select, "")
            self._form.types[self._select] = "text"
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if "selected" in a or (not self._form.fields[self._select] and value):
                self._form.fields[self._select] = value
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.fields[self._textarea] = ""
            self._form.types[self._textarea] = "text"

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form.fields[self._textarea] += data.strip()


def page_forms(url: str, html: str) -> list[Form]:
    parser = _FormParser(url)
    parser.feed(html)
    return [form for form in parser.forms if form.fields]


@dataclass(frozen=True)
class Route:
    route: str
    name: str | None
    kwargs: tuple[tuple[str, str], ...]  # (converter, name)


def all_routes(urlconf=None) -> list[Route]:
    """Every URL pattern of the project (portal, agent console, API, webhooks)."""
    found: list[Route] = []

    def walk(patterns, prefix: str):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and not route.startswith(SKIPPED_PREFIXES):
                params = tuple((m.group("converter") or "str", m.group("name")) for m in _PARAM.finditer(route))
                found.append(Route(route, pattern.name, params))

    walk(get_resolver(urlconf).url_patterns, "")
    return found


def route_url(route: Route, values: dict) -> str:
    """The route with real ids of the actor's own tenant (or a harmless value of the converter)."""
    url = "/" + route.route
    for converter, name in route.kwargs:
        value = values.get(name, 999_999 if converter == "int" else "no-such-thing")
        url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url)
    return url


def path_variants(route: Route, values: dict) -> Iterable[tuple[str, str, object]]:
    """The route with each path parameter hostile in turn (within what its converter lets in)."""
    for converter, name in route.kwargs:
        hostile = ["2147483648", "9223372036854775808", "0"] if converter == "int" else ["%00", "x" * 2_000, "-1"]
        for value in hostile:
            url = route_url(route, {**values, name: value})
            yield url, name, value


class Net:
    """Sends the requests, records every 5xx with the exception behind it."""

    def __init__(self, signers: dict | None = None, payloads: dict | None = None):
        self.signers = signers or {}  # path prefix → callable(path, data) → headers (webhooks)
        self.payloads = payloads or {}  # path prefix → a valid form body no page renders (webhooks)
        self.findings: list[Finding] = []
        self.requests = 0
        self._attacked: set = set()  # forms already attacked (one form is on several pages)
        self._error = ""

    def _capture(self, sender, request=None, **kwargs):
        import sys

        exc = sys.exc_info()[1]
        self._error = f"{type(exc).__name__}: {str(exc)[:120]}" if exc else ""

    def send(self, client: Client, who: str, method: str, url: str, param: str, value, **kwargs):
        self._error = ""
        self.requests += 1
        path = url.split("?")[0]
        for prefix, sign in self.signers.items():
            if method == "post" and path.startswith(prefix) and isinstance(kwargs.get("data"), dict):
                kwargs = {**kwargs, **sign(path, kwargs["data"])}
        cookies = copy.deepcopy(client.cookies)
        got_request_exception.connect(self._capture)
        try:
            with transaction.atomic():
                response = getattr(client, method)(url, **kwargs)
                transaction.set_rollback(True)
        finally:
            got_request_exception.disconnect(self._capture)
            client.cookies = cookies  # a logout or login among the routes must not change who asks
        if response.status_code >= 500:
            self.findings.append(
                Finding(who, method.upper(), url.split("?")[0], param, value, response.status_code, self._error)
            )
        return response

    # --- portal and agent pages --------------------------------------------------------------
    def walk_pages(
        self, client: Client, who: str, routes: list[Route], values: dict, *, with_paths=True, extra_headers=None
    ):
        headers = extra_headers or {}
        for route in routes:
            if route.route.startswith("api/"):
                continue
            url = route_url(route, values)
            for value in EVERY:
                query = {name: value for name in COMMON_QUERY}
                self.send(client, who, "get", f"{url}?{urlencode(query)}", "*common*", value, **headers)
            for value in EVERY[:3]:
                self.send(client, who, "post", url, "*common*", value, data={n: value for n in COMMON_QUERY}, **headers)
            for path_url, name, value in path_variants(route, values) if with_paths else ():
                self.send(client, who, "get", path_url, name, value)
            forms = [
                Form("post", url, dict(fields), {name: "text" for name in fields})
                for prefix, fields in self.payloads.items()
                if url.startswith(prefix)
            ]
            page = client.get(url, **headers)
            if page.status_code == 200 and "html" in page.get("Content-Type", ""):
                forms += page_forms(url, page.content.decode())
            for form in forms:
                self.attack_form(client, who, form, headers)

    def attack_form(self, client: Client, who: str, form: Form, headers: dict):
        target = urlsplit(form.action).path
        key = (who, form.method, target, tuple(sorted(form.fields)))
        if key in self._attacked:
            return
        self._attacked.add(key)
        try:
            resolve(target)
        except Resolver404:
            return
        for name, kind in form.types.items():
            for value in [*TABLES[kind], *TEXT]:
                data = {**form.fields, name: value}
                if form.method == "get":
                    self.send(client, who, "get", f"{target}?{urlencode(data)}", name, value, **headers)
                else:
                    self.send(client, who, "post", target, name, value, data=data, **headers)

    # --- the API, from its OpenAPI document -----------------------------------------------------
    def walk_api(self, client: Client, who: str, schema: dict, values: dict):
        for path, operations in schema["paths"].items():
            url = re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 999_999)), path)
            for method, operation in operations.items():
                params = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
                for param in params:
                    for value in [*_table(param.get("schema", {})), *TEXT]:
                        self.send(
                            client, who, method, f"{url}?{urlencode({param['name']: value})}", param["name"], value
                        )
                body_schema = _body_schema(schema, operation)
                if body_schema is None:
                    continue
                props = {name: _resolve_ref(schema, prop) for name, prop in body_schema.get("properties", {}).items()}
                base = {name: _valid(name, prop, values) for name, prop in props.items()}
                self.send(
                    client,
                    who,
                    method,
                    url,
                    "*body*",
                    MALFORMED_JSON,
                    data=MALFORMED_JSON,
                    content_type="application/json",
                )
                self.send(client, who, method, url, "*body*", "[]", data="[]", content_type="application/json")
                for name, prop in props.items():
                    for value in [*_table(prop), *TEXT, *WRONG_TYPES]:
                        body = json.dumps({**base, name: value})
                        self.send(client, who, method, url, name, value, data=body, content_type="application/json")


def _resolve_ref(schema: dict, node: dict) -> dict:
    while "$ref" in node or "allOf" in node or "oneOf" in node:
        if "$ref" not in node:
            node = (node.get("allOf") or node.get("oneOf"))[0]
            continue
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _body_schema(schema: dict, operation: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    media = content.get("application/json")
    return _resolve_ref(schema, media["schema"]) if media else None


def _table(prop: dict) -> list:
    prop_type, prop_format = prop.get("type"), prop.get("format")
    if prop_format == "date-time":
        return DATETIME
    if prop_format == "date":
        return DATE
    if prop_type in ("integer", "number"):
        return NUMBER
    return []


def _valid(name: str, prop: dict, values: dict):
    """A valid value for a body property (ids of the actor's own rows where the name says so)."""
    if f"{name}_id" in values:
        return values[f"{name}_id"]
    if "enum" in prop:
        return next((v for v in prop["enum"] if v), None)
    kind, fmt = prop.get("type"), prop.get("format")
    if fmt == "date-time":
        return values["future_end" if name.endswith("end") else "future"]
    if fmt == "uri":
        return "https://recordings.example.test/1.mp3"
    if fmt == "email":
        return "someone@example.test"
    if kind == "integer":
        return 1
    if kind == "boolean":
        return False
    if "number" in name or "phone" in name:
        return "+12125550123"
    return "x" if kind == "string" else None
