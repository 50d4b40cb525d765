"""Row locks in one helper (Saleor's `lock_objects`): `SELECT … FOR UPDATE OF <the model's
table>` in primary-key order, so two transactions locking the same rows queue instead of
deadlocking, and a `select_related` join never locks the joined rows too."""

from __future__ import annotations

from django.db.models import QuerySet


def lock(queryset: QuerySet, *, skip_locked: bool = False) -> QuerySet:
    """`queryset` locked for update when evaluated (inside `transaction.atomic`)."""
    return queryset.select_for_update(of=("self",), skip_locked=skip_locked).order_by("pk")
