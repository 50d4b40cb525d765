"""Bulk admin actions behind a confirmation page (issue #17): the first POST lists what will
change; only the second, with `confirmed`, calls the service."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse


def confirmed_action(
    modeladmin,
    request,
    queryset,
    *,
    title: str,
    explanation: str,
    button: str,
    perform: Callable[[list], str],
):
    """Shows the selected objects and `explanation`; on confirmation runs `perform(objects)`,
    whose return value is the success message. Returns None (back to the list) when done."""
    objects = list(queryset)
    if request.POST.get("confirmed") == "yes":
        modeladmin.message_user(request, perform(objects), messages.SUCCESS)
        return None
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "explanation": explanation,
        "button": button,
        "objects": objects,
        "opts": opts,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
        "index": request.POST.get("index", "0"),
    }
    return TemplateResponse(request, "admin/confirm_action.html", context)
