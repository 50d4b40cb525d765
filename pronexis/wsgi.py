import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pronexis.settings")
application = get_wsgi_application()

from .entrypoints import require_production_secrets  # noqa: E402

require_production_secrets()
