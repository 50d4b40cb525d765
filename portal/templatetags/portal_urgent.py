"""`{% urgent_state item %}`: the "Got it" / escalated / "Called back" box of an urgent message or
same-day request (portal.urgent), wherever the item is shown. No queries beyond the item's own
`location` and `acknowledged_by` / `handled_by` (select them with the item)."""

from django import template

from .. import urgent

register = template.Library()


@register.inclusion_tag("portal/_urgent_state.html", takes_context=True)
def urgent_state(context, item, error: str = ""):
    return {
        "item": item,
        "kind": urgent.kind_of(item),
        "acknowledgement": urgent.describe_acknowledgement(item),
        "error": error,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
