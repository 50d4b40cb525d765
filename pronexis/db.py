"""Which database a read goes to: reports and CSV exports may read from a replica.

With `DATABASE_REPLICA_URL` set, settings add a `replica` alias and `reporting_db()` names it;
the report and export views pass it to their selectors, which read with `.using(...)`. Every
other read stays on `default` (the primary): a page shown after a write must show that write,
and a replica may lag. Which Locations a user may see is also read on the primary, so a revoked
membership is never served from a lagging replica.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connections

DEFAULT = "default"
REPLICA = "replica"


def reporting_db() -> str:
    """The alias reports and CSV exports read from: `replica` when one is configured."""
    return settings.REPORTING_DATABASE


class PrimaryWritesRouter:
    """Writes and migrations go to the primary whatever alias a row was read from (saving a row
    read from the replica writes it to `default`); reads are not routed: they stay on `default`
    unless a query says `.using(reporting_db())`. Both aliases hold the same rows, so relations
    across them are allowed."""

    def db_for_read(self, model, **hints):
        return None  # Django's choice: the hinted instance's database, else `default`

    def db_for_write(self, model, **hints):
        return DEFAULT

    def allow_relation(self, obj1, obj2, **hints):
        return {obj1._state.db, obj2._state.db} <= {DEFAULT, REPLICA}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT


_PARSERS = {
    "DateTimeField": dt.datetime.fromisoformat,
    "DateField": dt.date.fromisoformat,
    "TimeField": dt.time.fromisoformat,
}


def instance_from_json(model, values: dict, *, using: str = DEFAULT):
    """A model instance from a row read as JSON (`json_build_object` of column values, keyed by
    attname), the way the ORM builds one: the fields given set (ISO times parsed by field type),
    the others deferred — reading one is a query the counted tests see, never a wrong default.
    Keys that are not fields are ignored (the caller attaches related rows itself)."""
    fields = [field for field in model._meta.concrete_fields if field.attname in values]  # from_db's order
    parsed = []
    for field in fields:
        value = values[field.attname]
        parser = _PARSERS.get(field.get_internal_type())
        parsed.append(parser(value) if parser and isinstance(value, str) else value)
    return model.from_db(using, [field.attname for field in fields], parsed)


def instance_from_row(model, fields, values, *, using: str = DEFAULT):
    """A model instance from a row of `fields`' columns read with SQL written out, each value
    converted by its field (`from_db_value`: arrays, custom fields) as the ORM's row would be."""
    connection = connections[using]
    values = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, values, strict=True)
    ]
    return model.from_db(using, [field.attname for field in fields], values)
