from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_production_secret_key() -> None:
    """The web and worker processes refuse to start on the development key unless DEBUG."""
    if not settings.DEBUG and not settings.TESTING and not settings.SECRET_KEY_IS_SET:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
