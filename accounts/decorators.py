from functools import wraps

from django.contrib.auth.decorators import login_required

from .permissions import require_call_center


def portal_view(view):
    """Owner-facing page: login first (then straight back), agents use their console."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapper


def agent_view(view):
    """Agent console page: 403 for anyone not an agent (or staff), before any lookup."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        require_call_center(request.user, "The agent console is for call-center agents.")
        return view(request, *args, **kwargs)

    return wrapper
