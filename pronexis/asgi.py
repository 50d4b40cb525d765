import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pronexis.settings")
application = get_asgi_application()

from .entrypoints import require_production_secrets  # noqa: E402

require_production_secrets()
