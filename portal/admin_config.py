from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """Django admin with the staff site (portal.admin_site): the operations overview on its
    index. Replaces "django.contrib.admin" in INSTALLED_APPS; no model import here (app loading)."""

    default_site = "portal.admin_site.StaffAdminSite"
