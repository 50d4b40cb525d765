from .models import Location
from .scoping import current_location


def portal(request):
    """The header's location switcher, lazily: pages that do not render it pay nothing."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}

    def switcher_locations():
        return list(Location.objects.visible_to(request.user).only("id", "name", "time_zone")[:200])

    return {
        "current_location": lambda: current_location(request),
        "switcher_locations": switcher_locations,
    }
