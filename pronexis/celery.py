import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pronexis.settings")

app = Celery("pronexis")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _check_production_secrets(**kwargs):
    from django.core.exceptions import ImproperlyConfigured

    from .entrypoints import require_production_secrets

    # Celery logs and swallows an Exception raised by a signal receiver, so the process would
    # start anyway: SystemExit (a BaseException) is what actually stops it.
    try:
        require_production_secrets()
    except ImproperlyConfigured as refused:
        raise SystemExit(f"Refusing to start: {refused}") from refused
