import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pronexis.settings")

app = Celery("pronexis")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _check_secret_key(**kwargs):
    from .entrypoints import require_production_secret_key

    require_production_secret_key()
