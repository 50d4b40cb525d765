"""`{% form_token %}`: the console form's one-time token (pronexis/idempotency.py), fresh on each
render, so a double submit of one rendered form creates one row."""

from django import template
from django.utils.html import format_html

from pronexis.idempotency import FORM_TOKEN_FIELD, new_form_token

register = template.Library()


@register.simple_tag
def form_token():
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_TOKEN_FIELD, new_form_token())
