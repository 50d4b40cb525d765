"""CSV exports that a spreadsheet cannot turn into formulas (OWASP "CSV injection").

Every export writes through `csv_writer`, which neutralises every cell: names, reasons, notes,
Location names, ids an integration sent — anything a person or an integration typed. A cell a
spreadsheet would evaluate gets a leading apostrophe (shown as text, not executed)."""

from __future__ import annotations

import csv
import re

# Characters that start a formula in Excel, LibreOffice or Google Sheets (full-width forms too),
# and the control characters that let one hide behind a line or cell break.
_FORMULA_START = re.compile(r"^[\s]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r\n]")
# A plain number (an E.164 phone, a negative amount) starts with + or - but is no formula.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def csv_safe(value):
    """The cell as a spreadsheet should show it; non-text values are left as they are."""
    if isinstance(value, str) and _FORMULA_START.match(value) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, target):
        self._writer = csv.writer(target)

    def writerow(self, row):
        return self._writer.writerow([csv_safe(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(target) -> _SafeWriter:
    """`csv.writer(target)` whose every cell goes through `csv_safe`."""
    return _SafeWriter(target)
