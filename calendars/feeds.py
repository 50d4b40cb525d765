"""The iCalendar feed of a Location's booked appointments and slot holds (icalendar; times in UTC)."""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from icalendar import Calendar, Event

from notifications.phi import phi_mode


def location_ics(location, appointments) -> bytes:
    """RFC 5545 calendar: one VEVENT per appointment of the feed, DTSTART/DTEND in UTC, the
    Location's zone named in X-WR-TIMEZONE so calendar apps show local times. The body depends
    on the appointments only (DTSTAMP and LAST-MODIFIED are each one's last change, not the
    time of the fetch), so it can carry an ETag. A PHI-mode brand's feed shows no details: "Appointment"
    or "Busy" (a hold) and the portal link, no lead name, meeting type or address."""
    private = phi_mode(location)
    cal = Calendar()
    cal.add("prodid", "-//ProNexis Portal//Appointments//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{location.name} — appointments")
    cal.add("x-wr-timezone", location.time_zone)
    for appointment in appointments:
        event = Event()
        event.add("uid", f"appointment-{appointment.pk}@pronexis")
        event.add("dtstamp", appointment.updated_at.astimezone(UTC))
        event.add("last-modified", appointment.updated_at.astimezone(UTC))
        event.add("dtstart", appointment.start.astimezone(UTC))
        event.add("dtend", appointment.end.astimezone(UTC))
        label = appointment.get_meeting_type_display()
        if private:  # PHI mode: a feed is read outside the login, so it says only that the time is taken
            event.add("summary", "Busy" if appointment.is_held else "Appointment")
        elif appointment.is_held:  # a pending request's hold: tentative until the owner answers
            event.add("summary", f"[HELD] {appointment.lead} — {label} (waiting for an answer)")
        else:
            event.add("summary", f"{'[FORCED] ' if appointment.forced else ''}{appointment.lead} — {label}")
        if appointment.address and not private:
            event.add("location", appointment.address)
        link = f"{settings.PUBLIC_BASE_URL}{appointment.get_absolute_url()}"
        event.add("description", link if private else f"{label}. {link}")
        event.add("status", "TENTATIVE" if appointment.is_held else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()
