"""Area import and export (accounts/areas.py and its admin pages): every row's outcome in a
preview, all or nothing, new areas created, moves only when asked, CSV and XLSX, a round trip."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import areas
from accounts.models import Area, AreaPostalCode
from tests.conftest import verified_login
from tests.factories import AreaFactory, AreaPostalCodeFactory, LocationFactory

NOT_A_POSTAL_CODE = "“ABCDE” is not a postal code: use a US ZIP (12345 or 12345-6789) or a Canadian code (A1A 1A1)."


@pytest.fixture
def territory(tenant_a):
    north = AreaFactory(location=tenant_a.location, name="North")
    south = AreaFactory(location=tenant_a.location, name="South")
    AreaPostalCodeFactory(area=south, postal_code="11215")
    return north, south


def _plan(staff, brand, text: str, allow_move=False):
    rows, problems = areas.area_file_read(name="areas.csv", content=text.encode())
    return areas.area_import_plan(actor=staff, brand=brand, rows=rows, problems=problems, allow_move=allow_move)


def _outcomes(plan):
    return [(row.line, row.outcome, row.postal_code, row.message) for row in plan.rows]


@pytest.mark.django_db
def test_each_row_is_added_already_there_moved_or_invalid(staff, tenant_a, tenant_b, territory):
    AreaPostalCodeFactory(area=AreaFactory(location=tenant_b.location), postal_code="11230")  # other brand: free
    AreaPostalCodeFactory(area=territory[1], postal_code="11216")
    text = (
        "area,postal_code\n"
        "North,11201-1234\n"  # ZIP+4 → 5 digits
        "north,k1a0b1\n"  # the area in any case; Canadian code normalised
        "South,11215\n"
        "North,11216\n"
        "North,ABCDE\n"
        ",11220\n"
        "North,11230\n"
        "South,11201\n"
    )
    plan = _plan(staff, tenant_a.brand, text)
    assert _outcomes(plan) == [
        (2, "added", "11201", ""),
        (3, "added", "K1A 0B1", ""),
        (4, "already there", "11215", ""),
        (5, "moved", "11216", "from “South” — tick “move” to move it"),
        (6, "invalid", "ABCDE", NOT_A_POSTAL_CODE),
        (7, "invalid", "11220", "The area is empty."),
        (8, "added", "11230", ""),
        (9, "invalid", "11201", "11201 is also given to area “North” on line 2."),
    ]  # fmt: skip
    assert plan.counts == {"added": 3, "already_there": 1, "moved": 1, "invalid": 3}
    assert not plan.can_write


@pytest.mark.django_db
def test_any_bad_row_writes_nothing(staff, tenant_a, territory):
    rows, problems = areas.area_file_read(name="a.csv", content=b"area,postal_code\nNorth,11201\nNorth,bad\n")
    plan = areas.area_import_apply(actor=staff, brand=tenant_a.brand, rows=rows, problems=problems, allow_move=False)
    assert not plan.written and plan.counts["invalid"] == 1
    assert AreaPostalCode.objects.filter(brand=tenant_a.brand).count() == 1


@pytest.mark.django_db
def test_new_areas_are_created_for_their_location_and_moves_need_the_box(staff, tenant_a, territory):
    other = LocationFactory(brand=tenant_a.brand, name="Queens")
    text = "area,postal_code,location\nAstoria,11102,Queens\nAstoria,11103,\nNorth,11215,\n"
    rows, problems = areas.area_file_read(name="a.csv", content=text.encode())
    refused = areas.area_import_apply(actor=staff, brand=tenant_a.brand, rows=rows, problems=problems, allow_move=False)
    assert not refused.written and refused.refused_moves == 1
    assert not Area.objects.filter(name="Astoria").exists()

    plan = areas.area_import_apply(actor=staff, brand=tenant_a.brand, rows=rows, problems=problems, allow_move=True)
    assert plan.written and plan.counts == {"added": 2, "already_there": 0, "moved": 1, "invalid": 0}
    astoria = Area.objects.get(name="Astoria")
    assert astoria.location == other and astoria.brand == tenant_a.brand
    assert set(astoria.postal_codes.values_list("postal_code", flat=True)) == {"11102", "11103"}
    assert AreaPostalCode.objects.get(brand=tenant_a.brand, postal_code="11215").area.name == "North"


@pytest.mark.django_db
def test_a_new_area_needs_a_location_when_the_brand_has_several(staff, tenant_a, territory):
    LocationFactory(brand=tenant_a.brand, name="Queens")
    text = "area,postal_code,location\nAstoria,11102,\nNorth,11201,Queens\nX,11104,Nowhere\n"
    plan = _plan(staff, tenant_a.brand, text)
    assert [row.message for row in plan.rows] == [
        "Area “Astoria” is new: give its Location in the location column.",
        "Area “North” belongs to Location A, not Queens.",
        "No Location “Nowhere” in Brand A.",
    ]


@pytest.mark.django_db
def test_a_wrong_header_is_reported_and_every_row_still_checked(staff, tenant_a, territory):
    plan = _plan(staff, tenant_a.brand, "zone,zip\nNorth,11201\nNorth,bad\n")
    assert plan.problems == [
        "The first line must name the columns area,postal_code (and location for new areas); it reads “zone,zip”. "
        "The rows below were read in that order."
    ]
    assert [row.outcome for row in plan.rows] == ["added", "invalid"] and not plan.can_write


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty"),
        (b"\xff\xfe\x00a", "not UTF-8"),
        (b"PK\x03\x04garbage", "not a readable Excel workbook"),
    ],
)
def test_unreadable_files_are_explained(content, message):
    with pytest.raises(ValidationError, match=message):
        areas.area_file_read(name="areas.csv", content=content)


@pytest.mark.django_db
def test_xlsx_is_read_and_zips_typed_as_numbers_keep_their_zeros(staff, tenant_a, territory):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Area", "Postal code", "Location"])
    sheet.append(["North", 2134, None])  # Excel turned 02134 into a number
    sheet.append(["North", "11201", "Location A"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows, problems = areas.area_file_read(name="areas.xlsx", content=buffer.getvalue())
    assert problems == []
    assert [(r.line, r.area, r.postal_code, r.location) for r in rows] == [
        (2, "North", "02134", ""),
        (3, "North", "11201", "Location A"),
    ]


@pytest.mark.django_db
def test_export_then_import_changes_nothing(staff, tenant_a, territory):
    twin = LocationFactory(brand=tenant_a.brand, name="Location A")  # a shared name: exported by number
    AreaPostalCodeFactory(area=AreaFactory(location=twin, name="Twin"), postal_code="11300")
    exported = areas.area_export_rows(actor=staff, brand=tenant_a.brand)
    assert exported == [
        ["area", "postal_code", "location"],
        ["South", "11215", str(tenant_a.location.pk)],
        ["Twin", "11300", str(twin.pk)],
    ]
    text = "\n".join(",".join(row) for row in exported)
    plan = _plan(staff, tenant_a.brand, text)
    assert plan.counts == {"added": 0, "already_there": 2, "moved": 0, "invalid": 0} and plan.changes == 0


@pytest.mark.django_db
def test_a_name_a_spreadsheet_would_run_is_exported_as_text_and_imported_back(client, staff, tenant_a):
    AreaPostalCodeFactory(area=AreaFactory(location=tenant_a.location, name="=HYPERLINK(1)"), postal_code="11201")
    verified_login(client, staff)
    response = client.get("/admin/accounts/area/export/", {"export-brand": tenant_a.brand.pk, "export-format": "csv"})
    assert "'=HYPERLINK(1),11201" in response.content.decode()
    plan = _plan(staff, tenant_a.brand, response.content.decode())
    assert [(row.area, row.outcome) for row in plan.rows] == [("=HYPERLINK(1)", "already there")]


@pytest.mark.django_db
def test_only_staff_import_or_export(tenant_a, agent, territory):
    for user in (tenant_a.owner, agent):
        with pytest.raises(PermissionDenied):
            areas.area_import_plan(actor=user, brand=tenant_a.brand, rows=[])
        with pytest.raises(PermissionDenied):
            areas.area_export_rows(actor=user, brand=tenant_a.brand)


@pytest.mark.django_db
def test_admin_preview_writes_nothing_and_confirm_writes_once(client, staff, tenant_a, territory):
    verified_login(client, staff)
    upload = SimpleUploadedFile("codes.csv", b"area,postal_code\nNorth,bad\n", content_type="text/csv")
    response = client.post("/admin/accounts/area/import/", {"brand": tenant_a.brand.pk, "file": upload})
    assert response.status_code == 400 and "Line" not in response.context["plan"].problems
    assert response.context["plan"].counts["invalid"] == 1 and "“bad” is not a postal code" in response.content.decode()

    good = SimpleUploadedFile("codes.csv", b"area,postal_code\nNorth,11201\n", content_type="text/csv")
    response = client.post("/admin/accounts/area/import/", {"brand": tenant_a.brand.pk, "file": good})
    assert response.status_code == 200 and not AreaPostalCode.objects.filter(postal_code="11201").exists()
    token = response.context["confirm"]["token"].value()
    response = client.post("/admin/accounts/area/import/", {"token": token})
    assert response.status_code == 302
    assert AreaPostalCode.objects.get(brand=tenant_a.brand, postal_code="11201").area == territory[0]
    # The same confirmation again (a double submit): the row is already there, nothing new.
    response = client.post("/admin/accounts/area/import/", {"token": token}, follow=True)
    assert AreaPostalCode.objects.filter(brand=tenant_a.brand).count() == 2


@pytest.mark.django_db
def test_a_preview_overtaken_by_another_edit_is_shown_again(client, staff, tenant_a, territory):
    verified_login(client, staff)
    upload = SimpleUploadedFile("codes.csv", b"area,postal_code\nNorth,11201\n", content_type="text/csv")
    response = client.post("/admin/accounts/area/import/", {"brand": tenant_a.brand.pk, "file": upload})
    token = response.context["confirm"]["token"].value()
    AreaPostalCodeFactory(area=territory[1], postal_code="11201")  # someone else gave it to South meanwhile
    response = client.post("/admin/accounts/area/import/", {"token": token})
    assert response.status_code == 409 and response.context["plan"].counts["moved"] == 1
    assert AreaPostalCode.objects.get(postal_code="11201").area == territory[1]


@pytest.mark.django_db
def test_a_tampered_preview_is_refused(client, staff, tenant_a, territory):
    verified_login(client, staff)
    response = client.post("/admin/accounts/area/import/", {"token": "forged"}, follow=True)
    assert "expired or was altered" in response.content.decode()
    assert AreaPostalCode.objects.filter(brand=tenant_a.brand).count() == 1


@pytest.mark.django_db
def test_admin_export_downloads_csv_and_xlsx(client, staff, tenant_a, territory):
    verified_login(client, staff)
    response = client.get("/admin/accounts/area/export/", {"export-brand": tenant_a.brand.pk, "export-format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="areas-brand-a.csv"'
    assert response.content.decode() == "area,postal_code,location\r\nSouth,11215,Location A\r\n"
    response = client.get("/admin/accounts/area/export/", {"export-brand": tenant_a.brand.pk, "export-format": "xlsx"})
    rows, problems = areas.area_file_read(name="x.xlsx", content=response.content)
    assert problems == [] and [(r.area, r.postal_code, r.location) for r in rows] == [("South", "11215", "Location A")]
    assert client.get("/admin/accounts/area/export/", {"export-brand": "x"}).status_code == 400


@pytest.mark.django_db
def test_postal_code_owned_by_another_area_is_refused_in_admin_form(tenant_a, territory):
    from accounts.admin import PostalCodeForm

    form = PostalCodeForm(data={"area": territory[0].pk, "postal_code": "11215"})
    assert not form.is_valid()
    assert "already belongs to area “South”" in str(form.errors)
