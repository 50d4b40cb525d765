"""Area import and export for staff (DESIGN.md "Area"; issue #17 "Area import").

A file of `area,postal_code[,location]` rows (CSV or XLSX) is read into rows, planned against
the brand's current areas — each row added, already there, moved from another area, or
invalid — shown as a preview, and written all or nothing. Areas named in the file that do not
exist are created for the row's Location. The export writes the brand's areas in the same
columns, so export → edit → import round-trips (an unchanged file is "already there" on
every row and writes nothing).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from dataclasses import dataclass, field

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pronexis.csv_export import csv_safe
from pronexis.locks import lock

from .models import Area, AreaPostalCode, Brand, Location
from .normalize import normalize_postal_code
from .permissions import require_staff

COLUMNS = ("area", "postal_code", "location")
MAX_ROWS = 20_000  # a brand's whole territory fits; a runaway file is refused before planning
MAX_BYTES = 5 * 1024 * 1024
PLAN_SALT = "accounts.area_import"

ADDED, ALREADY_THERE, MOVED, INVALID = "added", "already there", "moved", "invalid"


@dataclass
class ImportRow:
    line: int
    area: str
    postal_code: str
    location: str = ""


@dataclass
class PlannedRow:
    line: int
    area: str
    postal_code: str
    location: str
    outcome: str
    message: str = ""
    moved_from: str = ""


@dataclass
class ImportPlan:
    brand: Brand
    rows: list[PlannedRow]
    problems: list[str] = field(default_factory=list)  # about the file as a whole (its header)
    new_areas: dict[str, Location] = field(default_factory=dict)
    allow_move: bool = False
    written: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.outcome for row in self.rows)
        # keys usable in templates: added, already_there, moved, invalid
        outcomes = (ADDED, ALREADY_THERE, MOVED, INVALID)
        return {outcome.replace(" ", "_"): counted.get(outcome, 0) for outcome in outcomes}

    @property
    def refused_moves(self) -> int:
        return 0 if self.allow_move else self.counts[MOVED]

    @property
    def can_write(self) -> bool:
        return not self.problems and not self.counts[INVALID] and not self.refused_moves

    @property
    def changes(self) -> int:
        return self.counts[ADDED] + (self.counts[MOVED] if self.allow_move else 0)

    def digest(self) -> str:
        """What the preview promised: compared again when the import is confirmed."""
        shape = [(r.line, r.outcome, r.postal_code, r.area, r.moved_from) for r in self.rows]
        shape.append(sorted(self.new_areas))
        return hashlib.sha256(json.dumps(shape).encode()).hexdigest()


# --- Reading a file ---------------------------------------------------------------------------
class UnreadableFile(ValidationError):
    pass


def area_file_read(*, name: str, content: bytes) -> tuple[list[ImportRow], list[str]]:
    """The rows of an uploaded CSV or XLSX file and the problems of its header. A header that
    does not name the columns is reported, and the rows are still read by position (area,
    postal_code, location) so every row's problem shows in the same preview."""
    if len(content) > MAX_BYTES:
        raise UnreadableFile(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it by brand or area.")
    if name.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        table = _xlsx_table(content)
    else:
        table = _csv_table(content)
    table = [(line, cells) for line, cells in table if any(cells)]
    if not table:
        raise UnreadableFile("The file is empty: the first line names the columns area,postal_code[,location].")
    (_, header), body = table[0], table[1:]
    if len(body) > MAX_ROWS:
        raise UnreadableFile(f"The file has {len(body)} rows; at most {MAX_ROWS} are read at once.")
    names = [cell.strip().lower().replace(" ", "_") for cell in header]
    problems = []
    if "area" in names and "postal_code" in names:
        index = {column: names.index(column) for column in COLUMNS if column in names}
    else:
        index = {column: position for position, column in enumerate(COLUMNS)}
        problems.append(
            "The first line must name the columns area,postal_code (and location for new areas); "
            f"it reads “{','.join(cell.strip() for cell in header)}”. The rows below were read in that order."
        )

    def cell(cells: list[str], column: str) -> str:
        position = index.get(column)
        value = cells[position].strip() if position is not None and position < len(cells) else ""
        return _without_formula_guard(value)

    rows = [ImportRow(line, *(cell(cells, column) for column in COLUMNS)) for line, cells in body]
    return rows, problems


def _without_formula_guard(value: str) -> str:
    """The export's apostrophe before a cell a spreadsheet would run ('=North → =North), so an
    exported file imports back unchanged."""
    if value.startswith("'") and csv_safe(value[1:]) == value:
        return value[1:]
    return value


def _csv_table(content: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile("The file is not UTF-8 text: save it as “CSV UTF-8” (or as .xlsx) and try again.")
    if "\x00" in text:
        raise UnreadableFile("The file is not a CSV text file: save it as “CSV UTF-8” or .xlsx.")
    reader = csv.reader(io.StringIO(text))
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise UnreadableFile(f"Line {reader.line_num} cannot be read as CSV ({error}).")


def _xlsx_table(content: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, KeyError) for a bad workbook
        raise UnreadableFile("The file is not a readable Excel workbook (.xlsx).")
    try:
        sheet = workbook.worksheets[0]
        table = []
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if line > MAX_ROWS + 1:
                raise UnreadableFile(f"The workbook has more than {MAX_ROWS} rows; at most that many are read at once.")
            table.append((line, [_xlsx_text(value) for value in values]))
        return table
    finally:
        workbook.close()


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        # A ZIP typed into Excel is a number that lost its leading zeros (02134 → 2134).
        return f"{value:05d}" if 0 <= value < 100000 else str(value)
    return str(value)


# --- Planning ---------------------------------------------------------------------------------
def area_import_plan(
    *, actor, brand: Brand, rows: list[ImportRow], problems=(), allow_move: bool = False
) -> ImportPlan:
    """Each row's outcome against the brand's areas as they are now; writes nothing."""
    require_staff(actor)
    plan = ImportPlan(brand=brand, rows=[], problems=list(problems), allow_move=allow_move)
    areas = {area.name.lower(): area for area in Area.objects.filter(brand=brand).select_related("location")}
    locations = list(Location.objects.filter(brand=brand).only("id", "name", "brand_id"))
    current = {
        code: (area_id, name)
        for code, area_id, name in AreaPostalCode.objects.filter(brand=brand).values_list(
            "postal_code", "area_id", "area__name"
        )
    }
    seen: dict[str, tuple[int, str]] = {}
    for row in rows:
        plan.rows.append(_plan_row(plan, row, areas, locations, current, seen))
    return plan


def _plan_row(plan, row, areas, locations, current, seen) -> PlannedRow:
    def invalid(message: str, code: str = "") -> PlannedRow:
        return PlannedRow(row.line, row.area, code or row.postal_code, row.location, INVALID, message)

    if not row.area:
        return invalid("The area is empty.")
    if len(row.area) > Area._meta.get_field("name").max_length:
        return invalid("The area name is longer than 120 characters.")
    try:
        code = normalize_postal_code(row.postal_code)
    except ValidationError as error:
        return invalid(error.messages[0] if row.postal_code else "The postal code is empty.")
    location, problem = _location_of(row, locations, plan.brand)
    if problem:
        return invalid(problem, code)
    area = areas.get(row.area.lower())
    if area is not None:
        if location is not None and area.location_id != location.pk:
            return invalid(f"Area “{area.name}” belongs to {area.location.name}, not {location.name}.", code)
        area_name, area_id = area.name, area.pk
    else:
        earlier = plan.new_areas.get(row.area.lower())
        location = location or earlier or _only_location(locations)
        if location is None:
            return invalid(f"Area “{row.area}” is new: give its Location in the location column.", code)
        if earlier is not None and earlier.pk != location.pk:
            return invalid(f"Area “{row.area}” is given two Locations ({earlier.name} and {location.name}).", code)
        plan.new_areas.setdefault(row.area.lower(), location)
        area_name, area_id = row.area, None
    location_name = location.name if location else area.location.name
    if code in seen:
        first_line, first_area = seen[code]
        if first_area.lower() != area_name.lower():
            return invalid(f"{code} is also given to area “{first_area}” on line {first_line}.", code)
        return PlannedRow(row.line, area_name, code, location_name, ALREADY_THERE, f"repeats line {first_line}")
    seen[code] = (row.line, area_name)
    if code not in current:
        message = "" if area_id else "new area"
        return PlannedRow(row.line, area_name, code, location_name, ADDED, message)
    owner_id, owner_name = current[code]
    if area_id is not None and owner_id == area_id:
        return PlannedRow(row.line, area_name, code, location_name, ALREADY_THERE)
    message = f"from “{owner_name}”" + ("" if plan.allow_move else " — tick “move” to move it")
    return PlannedRow(row.line, area_name, code, location_name, MOVED, message, moved_from=owner_name)


def _location_of(row: ImportRow, locations: list[Location], brand: Brand) -> tuple[Location | None, str]:
    """The row's Location, by name (case-insensitive) or by its number; a name two Locations of
    the brand share must be given by number (the export does that)."""
    if not row.location:
        return None, ""
    if row.location.isdecimal():
        found = [loc for loc in locations if str(loc.pk) == row.location]
    else:
        found = [loc for loc in locations if loc.name.lower() == row.location.lower()]
    if not found:
        return None, f"No Location “{row.location}” in {brand}."
    if len(found) > 1:
        numbers = ", ".join(str(loc.pk) for loc in found)
        return None, f"{len(found)} Locations of {brand} are called “{row.location}”: give its number ({numbers})."
    return found[0], ""


def _only_location(locations: list[Location]) -> Location | None:
    return locations[0] if len(locations) == 1 else None


# --- Preview token and writing -------------------------------------------------------------------
def area_import_token(plan: ImportPlan, rows: list[ImportRow]) -> str:
    """The previewed rows, signed, for the confirm step (nothing is kept on the server)."""
    payload = {
        "brand": plan.brand.pk,
        "rows": [[r.line, r.area, r.postal_code, r.location] for r in rows],
        "problems": plan.problems,
        "digest": plan.digest(),
    }
    return signing.dumps(payload, salt=PLAN_SALT, compress=True)


def area_import_from_token(token: str) -> tuple[int, list[ImportRow], list[str], str]:
    try:
        payload = signing.loads(token, salt=PLAN_SALT, max_age=3600)
    except signing.BadSignature:
        raise ValidationError("The preview has expired or was altered: upload the file again.")
    rows = [ImportRow(*values) for values in payload["rows"]]
    return payload["brand"], rows, payload["problems"], payload["digest"]


def area_import_apply(*, actor, brand: Brand, rows: list[ImportRow], problems=(), allow_move: bool, digest: str = ""):
    """Writes the plan all or nothing: creates the new areas, adds postal codes and (when
    `allow_move`) moves codes from their old area. Planned again inside the transaction with
    the brand's areas locked, so what is written is what the rows say now; when that differs
    from the preview (`digest`), nothing is written and the new plan is returned unwritten
    (`written` False) for a new preview. Moved rows keep their outcome with or without `move`,
    so ticking it on the confirm step does not count as a change."""
    require_staff(actor)
    try:
        with transaction.atomic():
            lock(Brand.objects.filter(pk=brand.pk)).first()  # one import per brand at a time
            plan = area_import_plan(actor=actor, brand=brand, rows=rows, problems=problems, allow_move=allow_move)
            if not plan.can_write:
                return plan
            if digest and plan.digest() != digest:
                return plan  # the caller shows this new preview: the areas changed since
            _write(plan)
    except IntegrityError:  # a concurrent edit in admin took a code or an area name
        raise ValidationError("The areas changed while importing; nothing was written. Preview the file again.")
    plan.written = True
    return plan


def _write(plan: ImportPlan) -> None:
    brand = plan.brand
    areas = {area.name.lower(): area for area in Area.objects.filter(brand=brand)}
    for key, location in plan.new_areas.items():
        name = next(row.area for row in plan.rows if row.area.lower() == key and row.outcome != INVALID)
        areas[key] = Area.objects.create(brand=brand, location=location, name=name)
    added = [
        AreaPostalCode(brand=brand, area=areas[row.area.lower()], postal_code=row.postal_code)
        for row in plan.rows
        if row.outcome == ADDED
    ]
    AreaPostalCode.objects.bulk_create(added)
    for row in plan.rows:
        if row.outcome == MOVED:
            AreaPostalCode.objects.filter(brand=brand, postal_code=row.postal_code).update(
                area=areas[row.area.lower()]
            )


# --- Export ---------------------------------------------------------------------------------
def area_export_rows(*, actor, brand: Brand) -> list[list[str]]:
    """The brand's areas as import rows (header first): area, postal_code, location — the
    Location by name, or by number where two of the brand's Locations share the name."""
    require_staff(actor)
    names = Counter(Location.objects.filter(brand=brand).values_list("name", flat=True))
    rows = [list(COLUMNS)]
    codes = (
        AreaPostalCode.objects.filter(brand=brand)
        .order_by("area__name", "postal_code")
        .values_list("area__name", "postal_code", "area__location_id", "area__location__name")
    )
    for area, code, location_id, location in codes:
        rows.append([area, code, location if names[location] == 1 else str(location_id)])
    return rows
