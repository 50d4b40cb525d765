"""`{% chart_drawing chart as drawing %}`: the dashboard chart's geometry (portal.charts), pure
arithmetic over the selector's numbers — no queries."""

from django import template

from ..charts import draw_daily_chart

register = template.Library()


@register.simple_tag
def chart_drawing(chart):
    return draw_daily_chart(chart.days, chart.leads, chart.appointments)
