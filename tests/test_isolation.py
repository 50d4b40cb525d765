import pytest
from django.http import HttpResponse
from django.urls import path

from accounts.models import Location

from .isolation import find_leaks, object_routes


@pytest.mark.django_db
def test_no_object_route_leaks_another_tenant(tenant_a, tenant_b):
    routes = object_routes()
    assert len(routes) >= 5, "the matrix should see the portal's object routes"
    leaks = find_leaks(routes, tenant_a, tenant_b)
    assert leaks == [], "\n".join(map(str, leaks))


def _unscoped_view(request, location_id):
    location = Location.objects.get(pk=location_id)  # deliberately unscoped
    return HttpResponse(location.name)


urlpatterns = [path("unscoped/<int:location_id>/", _unscoped_view)]


@pytest.mark.django_db
def test_matrix_catches_an_unscoped_view(tenant_a, tenant_b, settings):
    settings.ROOT_URLCONF = __name__
    routes = object_routes(__name__)
    assert [r.route for r in routes] == ["unscoped/<int:location_id>/"]
    leaks = find_leaks(routes, tenant_a, tenant_b, roles=("viewer",))
    assert {(leak.method, leak.status) for leak in leaks} == {("GET", 200), ("POST", 200)}


def test_unknown_url_kwargs_must_be_registered():
    from .isolation import ObjectRoute

    with pytest.raises(AssertionError, match="widget_id"):
        find_leaks([ObjectRoute("widgets/<int:widget_id>/", "w", ("widget_id",))], None, None)
