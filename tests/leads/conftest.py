import pytest

from tests.conftest import token_client
from tests.factories import AreaFactory, AreaPostalCodeFactory, LocationPhoneNumberFactory, ServiceFactory


@pytest.fixture
def routed(tenant_a):
    """Tenant A covers 11201 and K1A 0B1; offers "Companion care"; "Dementia care" is book-anyway."""
    area = AreaFactory(location=tenant_a.location, name="Heights")
    AreaPostalCodeFactory(area=area, postal_code="11201")
    AreaPostalCodeFactory(area=area, postal_code="K1A 0B1")
    offered = ServiceFactory(brand=tenant_a.brand, name="Companion care")
    ServiceFactory(brand=tenant_a.brand, name="Dementia care", book_anyway=True)
    ServiceFactory(brand=tenant_a.brand, name="Live-in care")
    tenant_a.location.services_offered.add(offered)
    LocationPhoneNumberFactory(location=tenant_a.location, number="+17185550190")
    return tenant_a


@pytest.fixture
def brand_api(routed):
    return token_client(routed.brand_user, "brand", brand=routed.brand)
