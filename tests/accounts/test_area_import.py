import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AreaPostalCode
from accounts.services import area_import_postal_codes
from tests.conftest import verified_login
from tests.factories import AreaFactory, AreaPostalCodeFactory


@pytest.fixture
def areas(tenant_a):
    north = AreaFactory(location=tenant_a.location, name="North")
    south = AreaFactory(location=tenant_a.location, name="South")
    AreaPostalCodeFactory(area=south, postal_code="11215")
    return north, south


@pytest.mark.django_db
def test_good_csv_imports_normalized_codes(tenant_a, areas):
    result = area_import_postal_codes(
        brand=tenant_a.brand, csv_text="area,postal_code\nNorth,11201-1234\nnorth,k1a0b1\nSouth,11215\n"
    )
    assert result.errors == [] and result.imported == 2
    assert set(AreaPostalCode.objects.filter(area=areas[0]).values_list("postal_code", flat=True)) == {
        "11201",
        "K1A 0B1",
    }


@pytest.mark.django_db
def test_any_bad_row_imports_nothing_and_every_bad_row_is_reported(tenant_a, tenant_b, areas):
    AreaPostalCodeFactory(area=AreaFactory(location=tenant_b.location), postal_code="11230")  # other brand: fine
    text = "area,postal_code\nNorth,11201\nNorth,ABCDE\nNorth,11215\nNowhere,11220\nNorth,11230\nNorth,11201\n"
    result = area_import_postal_codes(brand=tenant_a.brand, csv_text=text)
    assert result.imported == 0
    assert result.errors == [
        "Line 3: “ABCDE” is not a postal code: use a US ZIP (12345 or 12345-6789) or a Canadian code (A1A 1A1).",
        "Line 4: 11215 already belongs to area “South”.",
        "Line 5: no area “Nowhere” in Brand A.",
        "Line 7: 11201 is repeated (first on line 2).",
    ]
    assert AreaPostalCode.objects.filter(brand=tenant_a.brand).count() == 1


@pytest.mark.django_db
def test_missing_header_is_explained(tenant_a):
    result = area_import_postal_codes(brand=tenant_a.brand, csv_text="11201\n")
    assert result.errors == ["The first line must name the columns: area,postal_code"]


@pytest.mark.django_db
def test_admin_upload_reports_errors(client, staff, tenant_a, areas):
    verified_login(client, staff)
    upload = SimpleUploadedFile("codes.csv", b"area,postal_code\nNorth,bad\n", content_type="text/csv")
    response = client.post("/admin/accounts/area/import-csv/", {"brand": tenant_a.brand.pk, "csv_file": upload})
    assert response.status_code == 400
    assert "Line 2" in response.content.decode()
    good = SimpleUploadedFile("codes.csv", b"area,postal_code\nNorth,11201\n", content_type="text/csv")
    response = client.post("/admin/accounts/area/import-csv/", {"brand": tenant_a.brand.pk, "csv_file": good})
    assert response.status_code == 302
    assert AreaPostalCode.objects.filter(area=areas[0], postal_code="11201").exists()


@pytest.mark.django_db
def test_postal_code_owned_by_another_area_is_refused_in_admin_form(tenant_a, areas):
    from accounts.admin import PostalCodeForm

    form = PostalCodeForm(data={"area": areas[0].pk, "postal_code": "11215"})
    assert not form.is_valid()
    assert "already belongs to area “South”" in str(form.errors)
