from .scoping import SWITCHER_SIZE, current_location, switcher_locations


def portal(request):
    """The header's location switcher, lazily: pages that do not render it pay nothing."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}

    return {
        "current_location": lambda: current_location(request),
        "switcher_locations": lambda: switcher_locations(request)[:SWITCHER_SIZE],
        "bookings_ui": lambda: takes_bookings(request),
    }


def takes_bookings(request) -> bool:
    """Show the calendar and booking parts? Not for answering-only plans: the chosen Location's
    plan, or with "All my locations" whether any of them books (no query beyond the switcher's)."""
    location = current_location(request)
    if location is not None:
        return location.takes_bookings
    user = request.user
    return user.is_staff or user.is_agent or any(loc.takes_bookings for loc in switcher_locations(request))
