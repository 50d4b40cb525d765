"""Outbox reads: one subject's delivery history, a Location's failed deliveries."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import Membership
from accounts.permissions import Action, roles_for

from .models import ConsentEvent, Notification


def deliveries_of(subject) -> QuerySet:
    """The delivery history of one subject (every Notification about it), oldest first."""
    content_type = ContentType.objects.get_for_model(subject)
    return Notification.objects.filter(subject_type=content_type, subject_id=subject.pk).order_by("created_at", "id")


def failed_deliveries_queryset(*, location_ids, days: int = 30) -> QuerySet:
    """Failed or undelivered notifications of these Locations in the last `days` days that nobody
    dismissed (index notification_failed): the Action Center's lines and the live pulse's count."""
    return Notification.objects.filter(
        location_id__in=location_ids,
        status__in=Notification.FAILED_STATUSES,
        created_at__gte=timezone.now() - timedelta(days=days),
        dismissed_at=None,
    )


DISMISS_ROLES = [role.value for role in roles_for(Action.DISMISS_DELIVERY)]


def failed_deliveries(*, location_ids, limit: int = 20, days: int = 30, user=None) -> list[Notification]:
    """Failed or undelivered notifications of these Locations in the last `days` days, newest
    first (one query): the Action Center's "failed deliveries". With `user`, each row is
    annotated `dismissable` (the user may dismiss it) in the same query."""
    queryset = failed_deliveries_queryset(location_ids=location_ids, days=days).select_related("location")
    if user is not None:
        queryset = queryset.annotate(
            dismissable=Exists(
                Membership.objects.filter(user_id=user.pk, role__in=DISMISS_ROLES, location_id=OuterRef("location_id"))
            )
        )
    return list(queryset.order_by("-created_at", "-id")[:limit])


def location_consent_events(*, location, limit: int, using: str = "default"):
    """The consent ledger of one Location (events that came through its lines, leads and calls),
    newest first, iterated in chunks: the owner's CSV export (`using` the reports' database)."""
    return (
        ConsentEvent.objects.using(using)
        .filter(location_id=location.pk)
        .order_by("-at", "-id")[:limit]
        .iterator(chunk_size=2000)
    )
