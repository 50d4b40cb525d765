from .scoping import current_location, switcher_locations


def portal(request):
    """The header's location switcher, lazily: pages that do not render it pay nothing."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}

    return {
        "current_location": lambda: current_location(request),
        "switcher_locations": lambda: switcher_locations(request)[:200],
    }
