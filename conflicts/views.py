from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import portal_view
from accounts.scoping import get_visible_or_404

from .models import Conflict, SameDayRequest


@portal_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """The owner's home: the Action Center and this month at a glance (issue #5 fills it)."""
    return render(request, "conflicts/dashboard.html", {})


@portal_view
def conflict_detail(request: HttpRequest, conflict_id: int) -> HttpResponse:
    conflict = get_visible_or_404(request, Conflict.objects.select_related("lead", "location"), pk=conflict_id)
    return render(request, "conflicts/detail.html", {"item": conflict})


@portal_view
def same_day_detail(request: HttpRequest, same_day_id: int) -> HttpResponse:
    same_day = get_visible_or_404(request, SameDayRequest.objects.select_related("lead", "location"), pk=same_day_id)
    return render(request, "conflicts/detail.html", {"item": same_day})
