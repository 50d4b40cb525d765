from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .checks import development_secrets, vapid_key_problems


def require_production_secrets() -> None:
    """The web and worker processes refuse to start, unless DEBUG, on the development
    SECRET_KEY or on an unset / development-valued webhook secret (see pronexis.checks)."""
    if settings.DEBUG or settings.TESTING:
        return
    missing = ([] if settings.SECRET_KEY_IS_SET else ["SECRET_KEY"]) + development_secrets()
    if missing:
        raise ImproperlyConfigured(f"Set {', '.join(missing)} in the environment when DEBUG is off.")
    if problems := vapid_key_problems():
        raise ImproperlyConfigured(f"Web Push keys: {'; '.join(problems)}.")
