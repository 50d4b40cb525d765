"""A lint in the suite (Zulip's custom_check idea): views and API views must not fetch tenant rows
with a bare `Model.objects.get(` / `.objects.filter(` — they go through `visible_to(user)`
(`get_visible_or_404`, `scope_to_current`). A line that filters by an object already fetched
scoped says so with a `# scoped:` comment naming it."""

import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "notifications", "leads", "calendars", "conflicts", "messaging", "agents")
BARE_FETCH = re.compile(r"\b([A-Z]\w+)\.objects\.(get|filter)\(")


def _tenant_models() -> set[str]:
    names = set()
    for model in apps.get_models():
        if model._meta.app_label in APPS and any(f.name == "location" for f in model._meta.get_fields()):
            names.add(model.__name__)
    return names


def test_views_and_api_fetch_tenant_rows_through_scoping():
    tenant_models = _tenant_models()
    assert {"Lead", "Appointment", "Conflict", "OfficeMessage", "Membership"} <= tenant_models
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).glob("*.py")):
            if path.stem not in ("views", "api", "webhooks"):
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                for match in BARE_FETCH.finditer(line):
                    if match.group(1) in tenant_models and "# scoped:" not in line:
                        offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "unscoped tenant fetches:\n" + "\n".join(offenders)


def test_the_lint_catches_a_bare_fetch():
    assert BARE_FETCH.search("    lead = Lead.objects.get(pk=lead_id)").group(1) == "Lead"
