"""`{% messaging_action_center %}`: messaging's Action Center entries (urgent unread messages,
failed deliveries) for the request's user and header-switcher Locations. Two queries."""

from django import template

from accounts.scoping import current_locations

from ..selectors import action_center_items

register = template.Library()


@register.inclusion_tag("messaging/_action_center.html", takes_context=True)
def messaging_action_center(context):
    request = context["request"]
    items = context.get("messaging_items")
    if items is None:
        items = action_center_items(user=request.user, locations_qs=current_locations(request))
    return {"messaging_items": items, "request": request}
