from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

admin.site.site_header = "ProNexis call center admin"
admin.site.site_title = "ProNexis admin"

api_v1 = [
    path("", include("leads.api_urls")),
    path("", include("calendars.api_urls")),
    path("", include("conflicts.api_urls")),
    path("", include("messaging.api_urls")),
    path("", include("notifications.api_urls")),
]

urlpatterns = [
    # The API first: no page's pattern starts with api/, and an API call then skips the hundred
    # or so page patterns Django tried before reaching it (issue #17: the slots API's budget).
    path("api/v1/", include(api_v1)),
    path("", RedirectView.as_view(pattern_name="dashboard", permanent=False)),
    path("admin/", admin.site.urls),
    path("healthz/", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("", include("accounts.urls")),
    path("", include("conflicts.urls")),
    path("", include("leads.urls")),
    path("", include("calendars.urls")),
    path("", include("messaging.urls")),
    path("", include("notifications.urls")),
    path("", include("agents.urls")),
    path("", include("portal.urls")),
    path("", include("audit.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # Swagger UI from the sidecar's local files; its init script is a same-origin URL (no inline
    # script), and only this page relaxes style-src for the inline <style> Swagger UI ships.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api_schema")),
        name="api_docs",
    ),
]

handler400 = "pronexis.views.bad_request"
handler403 = "pronexis.views.permission_denied"
handler404 = "pronexis.views.page_not_found"
handler500 = "pronexis.views.server_error"
