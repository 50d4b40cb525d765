from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import portal_view


@portal_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """The owner's home: the Action Center and this month at a glance (issue #5 fills it)."""
    return render(request, "conflicts/dashboard.html", {})
