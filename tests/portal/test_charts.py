"""Charts people read (issue #11): the 90-day chart has value and date axes and tells each day's
numbers on hover and focus; leads by status × source is a matrix with totals."""

import datetime as dt

import pytest
from django.test import Client

from leads.models import Lead
from portal.charts import draw_daily_chart, nice_ceiling, status_by_source
from tests.factories import LeadFactory


@pytest.mark.parametrize(
    "peak, top", [(0, 1), (1, 1), (2, 2), (3, 5), (4, 5), (6, 10), (10, 10), (13, 20), (21, 50), (99, 100), (101, 200)]
)
def test_the_value_axis_ends_on_a_round_number(peak, top):
    assert nice_ceiling(peak) == top


def test_the_drawing_has_a_column_per_day_dated_ticks_and_worded_values():
    days = [dt.date(2030, 1, 20) + dt.timedelta(days=i) for i in range(45)]  # Jan 20 – Mar 5
    leads = [0] * 45
    leads[12] = 8  # Feb 1
    appointments = [0] * 45
    appointments[12] = 1
    drawing = draw_daily_chart(days, leads, appointments)
    assert len(drawing.columns) == 45
    assert [text for _, text in drawing.date_ticks] == ["Jan 20", "Feb 1", "Mar 1"]
    assert [value for _, value in drawing.value_ticks] == [0, 5, 10]
    feb_first = drawing.columns[12]
    assert feb_first.label == "Fri, Feb 1: 8 leads, 1 appointment"
    assert drawing.columns[0].label == "Sun, Jan 20: 0 leads, 0 appointments"
    # The 8-lead bar reaches 8/10 of the plot; an empty day has no bar.
    assert feb_first.bar_height == pytest.approx(drawing.plot_height * 0.8)
    assert drawing.columns[0].bar_height == 0
    xs = [column.x for column in drawing.columns]
    assert xs == sorted(xs) and xs[0] == drawing.left


def test_the_matrix_has_rows_by_status_columns_by_source_and_totals():
    rows = [
        {"status": "in_process", "source": "online", "count": 3},
        {"status": "in_process", "source": "phone", "count": 1},
        {"status": "converted", "source": "online", "count": 2},
    ]
    matrix = status_by_source(rows, Lead.Status.choices, Lead.Source.choices)
    sources = [value for value, _ in matrix.columns]
    assert set(sources) == {"online", "phone"}  # unused sources are left out
    by_status = {value: dict(zip(sources, cells, strict=True)) for value, _, cells, _ in matrix.rows}
    assert by_status["in_process"] == {"online": 3, "phone": 1}
    assert by_status["converted"] == {"online": 2, "phone": 0}
    assert [total for *_, total in matrix.rows] == [sum(cells) for _, _, cells, _ in matrix.rows]
    assert matrix.total == 6 and sum(matrix.column_totals) == 6


@pytest.mark.django_db
def test_the_dashboard_chart_is_readable_by_keyboard(tenant_a, clock):
    LeadFactory(location=tenant_a.location)
    client = Client()
    client.force_login(tenant_a.owner)
    html = client.get("/dashboard/").content.decode()
    assert html.count('class="chart-day" tabindex="0" role="img"') == 90
    assert ": 1 lead, 0 appointments" in html  # today's column speaks its numbers
    assert "data-chart-readout" in html and 'class="chart-axis"' in html


@pytest.mark.django_db
def test_reports_show_leads_as_a_status_by_source_matrix(tenant_a, clock):
    LeadFactory.create_batch(2, location=tenant_a.location, source="online")
    LeadFactory(location=tenant_a.location, source="phone")
    client = Client()
    client.force_login(tenant_a.owner)
    response = client.get("/reports/")
    matrix = response.context["leads_matrix"]
    assert matrix.total == 3
    assert '<table class="matrix">' in response.content.decode()


@pytest.mark.django_db
def test_the_dashboard_chart_is_drawn_once_per_series(tenant_a, clock, monkeypatch):
    """Drawn once, then read from the fragment cache (issue #17); new numbers draw it again."""
    from django.core.cache import cache

    from portal.templatetags import portal_charts

    cache.clear()
    drawn = []
    original = portal_charts.draw_daily_chart
    monkeypatch.setattr(portal_charts, "draw_daily_chart", lambda *series: drawn.append(1) or original(*series))
    LeadFactory(location=tenant_a.location)
    client = Client()
    client.force_login(tenant_a.owner)
    assert ": 1 lead, 0 appointments" in client.get("/dashboard/").content.decode()
    html = client.get("/dashboard/").content.decode()
    assert len(drawn) == 1 and ": 1 lead, 0 appointments" in html
    LeadFactory(location=tenant_a.location)
    assert ": 2 leads, 0 appointments" in client.get("/dashboard/").content.decode()
    assert len(drawn) == 2
