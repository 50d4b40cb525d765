"""Failed deliveries an owner has dealt with (issue #11 "Failed deliveries can be dismissed"): a
dismissed one leaves the Action Center and the live counters; the delivery history of its
subject (the lead's or message's page) still shows it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.permissions import Action, require
from pronexis.errors import Refused

from .models import Notification


def delivery_dismiss(*, notification: Notification, actor, now: dt.datetime | None = None) -> bool:
    """Dismisses a failed or undelivered notification (409 for any other: there is nothing to
    dismiss). Owners and managers of its Location (Action.DISMISS_DELIVERY). The first
    dismissal is kept (who, when); True when this call dismissed it."""
    require(actor, Action.DISMISS_DELIVERY, notification.location_id)
    if notification.status not in Notification.FAILED_STATUSES:
        raise Refused("Only a failed delivery can be dismissed.")
    updated = Notification.objects.filter(pk=notification.pk, dismissed_at=None).update(
        dismissed_at=now or timezone.now(), dismissed_by=actor
    )
    notification.refresh_from_db(fields=["dismissed_at", "dismissed_by"])
    return bool(updated)
