"""DESIGN.md "Monthly appointment count" (seed 004), the billing basis: appointments booked in a
Location's local month plus the conflicts answered in it — calendars' and conflicts' rows, so it
lives here, the lowest layer that reads both."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from accounts.models import Location
from calendars.models import Appointment
from calendars.selectors import local_month_bounds

from .models import Conflict


@dataclass
class MonthlyCount:
    """DESIGN.md "Monthly appointment count" for one Location and local month (seed 004).

    total = appointments (by booking time, forced and cancelled included, test leads excluded,
    not from a conflict) + conflicts answered in the month (any answer, each once).
    """

    location: Location
    year: int
    month: int
    appointments: list = field(default_factory=list)  # counted appointments, cancelled included
    conflicts: list = field(default_factory=list)  # conflicts answered in the month

    @property
    def booked_count(self) -> int:
        return len(self.appointments)

    @property
    def cancelled(self) -> list:
        return [a for a in self.appointments if a.status == Appointment.Status.CANCELLED]

    @property
    def cancelled_count(self) -> int:
        return len(self.cancelled)

    @property
    def forced_count(self) -> int:
        return sum(1 for a in self.appointments if a.forced)

    @property
    def conflicts_count(self) -> int:
        return len(self.conflicts)

    @property
    def total(self) -> int:
        return self.booked_count + self.conflicts_count

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def monthly_appointment_counts(*, locations, year: int, month: int, using: str = "default") -> list[MonthlyCount]:
    """The monthly count of several Locations, each in its own local month — three queries
    (locations, appointments, conflicts) whatever the number of Locations or rows; `using` the
    reports' database (pronexis.db.reporting_db) for the reports page and its CSV.

    Test leads are left out of both parts: a test is never billed — captured with `test: true`
    or moved to `test_lead` later (by staff, the owner or a manager).
    """
    locations = list(locations)
    if not locations:
        return []
    appointment_q, conflict_q = Q(pk__in=[]), Q(pk__in=[])
    for location in locations:
        start, end = local_month_bounds(location, year, month)
        appointment_q |= Q(location=location, created_at__gte=start, created_at__lt=end)
        conflict_q |= Q(location=location, responded_at__gte=start, responded_at__lt=end)
    counts = {loc.pk: MonthlyCount(location=loc, year=year, month=month) for loc in locations}
    appointments = (
        Appointment.objects.using(using)
        .appointments()
        .filter(appointment_q, conflict__isnull=True, lead__test=False)
        .exclude(lead__status="test_lead")
        .select_related("lead")
        .order_by("created_at", "id")
    )
    for appointment in appointments:
        counts[appointment.location_id].appointments.append(appointment)
    conflicts = (
        Conflict.objects.using(using)
        .filter(conflict_q, responded_at__isnull=False, lead__test=False)
        .exclude(lead__status="test_lead")
        .select_related("lead")
        .order_by("responded_at", "id")
    )
    for conflict in conflicts:
        counts[conflict.location_id].conflicts.append(conflict)
    return [counts[loc.pk] for loc in locations]


def monthly_appointment_count(*, location: Location, year: int, month: int) -> MonthlyCount:
    """The monthly count of one Location and local month (see MonthlyCount)."""
    return monthly_appointment_counts(locations=[location], year=year, month=month)[0]
