"""Charts people read, drawn on the server as SVG (no chart library, no script): the dashboard's
90 days with axes, dated ticks, a legend and each day's values on hover or keyboard focus, and
the reports' leads by status × source as a small matrix. Pure functions over selector results."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 720, 200
LEFT, RIGHT, TOP, BOTTOM = 34, 6, 10, 26  # room for the value axis and the date labels


@dataclass(frozen=True)
class DayColumn:
    day: dt.date
    leads: int
    appointments: int
    x: float  # the column's left edge
    width: float
    bar_y: float  # the leads bar's top
    bar_height: float
    label: str  # what hover and focus tell: "Tue, Dec 1: 4 leads, 1 appointment"

    @property
    def center(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class ChartDrawing:
    width: int
    height: int
    left: int
    top: int
    bottom: float  # y of the zero line
    columns: list[DayColumn]
    value_ticks: list[tuple[float, int]]  # (y, value)
    date_ticks: list[tuple[float, str]]  # (x, "Dec 1")
    appointment_points: str
    first: dt.date | None
    last: dt.date | None
    bars_svg: str = ""  # the leads bars, one <rect> per day with leads
    days_svg: str = ""  # one focusable <g> per day with its label

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top


def nice_ceiling(peak: int) -> int:
    """The axis top: the peak rounded up to 1, 2 or 5 × a power of ten (4 → 5, 13 → 20, 0 → 1)."""
    if peak <= 1:
        return 1
    power = 10 ** math.floor(math.log10(peak))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= peak)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _short_date(day: dt.date) -> str:
    return f"{day:%b} {day.day}"


def draw_daily_chart(days: list[dt.date], leads: list[int], appointments: list[int]) -> ChartDrawing:
    """Leads as bars, appointments as a line, over one column per day."""
    top_value = nice_ceiling(max([0, *leads, *appointments]))
    bottom = HEIGHT - BOTTOM
    plot_height = bottom - TOP
    step = (WIDTH - LEFT - RIGHT) / max(1, len(days))
    columns = []
    for i, (day, n_leads, n_appointments) in enumerate(zip(days, leads, appointments, strict=True)):
        bar = plot_height * n_leads / top_value
        label = f"{day:%a}, {_short_date(day)}: {_plural(n_leads, 'lead')}, {_plural(n_appointments, 'appointment')}"
        columns.append(DayColumn(day, n_leads, n_appointments, LEFT + i * step, step, bottom - bar, bar, label))
    value_ticks = [(bottom - plot_height * v / top_value, v) for v in sorted({0, top_value // 2, top_value})]
    # A date under the first day of each month and under the first day shown, unless they crowd.
    date_ticks: list[tuple[float, str]] = []
    for column in columns:
        if column is columns[0] or column.day.day == 1:
            if date_ticks and column.center - date_ticks[-1][0] < 48:
                continue
            date_ticks.append((column.center, _short_date(column.day)))
    line = " ".join(
        f"{column.center:.1f},{bottom - plot_height * column.appointments / top_value:.1f}" for column in columns
    )
    return ChartDrawing(
        bars_svg=_bars_svg(columns),
        days_svg=_days_svg(columns, top=TOP, plot_height=plot_height),
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        top=TOP,
        bottom=bottom,
        columns=columns,
        value_ticks=value_ticks,
        date_ticks=date_ticks,
        appointment_points=line,
        first=days[0] if days else None,
        last=days[-1] if days else None,
    )


# Ninety columns drawn as template loops were most of the dashboard's rendering (a `floatformat`
# per number): the repeated elements are written here, escaped, once per page (issue #17).
def _bars_svg(columns: list[DayColumn]) -> str:
    return mark_safe(  # noqa: S308 (numbers only)
        "".join(
            f'<rect x="{c.x:.2f}" y="{c.bar_y:.1f}" width="{c.width:.2f}" height="{c.bar_height:.1f}"/>'
            for c in columns
            if c.leads
        )
    )


def _days_svg(columns: list[DayColumn], *, top: int, plot_height: float) -> str:
    return format_html_join(
        "",
        '<g class="chart-day" tabindex="0" role="img" aria-label="{0}"><title>{0}</title>'
        '<rect class="hit" x="{1}" y="{2}" width="{3}" height="{4}"/></g>',
        ((c.label, f"{c.x:.2f}", top, f"{c.width:.2f}", f"{plot_height:.1f}") for c in columns),
    )


@dataclass(frozen=True)
class Matrix:
    """Counts by row × column label, with totals, in the given orders (empty rows and columns dropped)."""

    columns: list[tuple[str, str]]  # (value, label)
    rows: list[tuple[str, str, list[int], int]]  # (value, label, counts per column, row total)
    column_totals: list[int]
    total: int


def status_by_source(rows: list[dict], statuses: list[tuple[str, str]], sources: list[tuple[str, str]]) -> Matrix:
    """`rows` of {"status", "source", "count"} (leads.selectors.leads_by_status_and_source)."""
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["status"], row["source"])
        counts[key] = counts.get(key, 0) + row["count"]
    seen_sources = {source for _, source in counts}
    seen_statuses = {status for status, _ in counts}
    # Codes outside the choices (an old value) still count, under their own name.
    used_sources = [(v, label) for v, label in sources if v in seen_sources]
    used_sources += [(v, v) for v in sorted(seen_sources - {v for v, _ in sources})]
    statuses = [*statuses, *((v, v) for v in sorted(seen_statuses - {v for v, _ in statuses}))]
    matrix_rows = []
    for value, label in statuses:
        cells = [counts.get((value, source), 0) for source, _ in used_sources]
        if any(cells):
            matrix_rows.append((value, label, cells, sum(cells)))
    column_totals = [sum(row[2][i] for row in matrix_rows) for i in range(len(used_sources))]
    return Matrix(used_sources, matrix_rows, column_totals, sum(column_totals))
