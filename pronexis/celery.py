import os

from celery import Celery
from celery.signals import beat_init, task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pronexis.settings")

app = Celery("pronexis")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _redbeat_settings() -> dict:
    # celery-redbeat looks its settings up by their bare names (`redbeat_redis_url`), which the
    # CELERY_ namespace of the Django settings cannot give (it warns and falls back to the
    # broker's URL and options). The beat needs Redis anyway: without it nothing runs a task.
    from django.conf import settings

    return {
        "redbeat_redis_url": settings.REDIS_URL,
        "redbeat_redis_options": {
            "socket_timeout": settings.REDIS_TIMEOUT,
            "socket_connect_timeout": settings.REDIS_TIMEOUT,
        },
        "redbeat_lock_timeout": settings.BEAT_LOCK_TIMEOUT,
    }


app.add_defaults(_redbeat_settings)


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


# The audit trail names a worker task's writes: channel "task" and the task's name (who = the
# system). An eager task (no broker) runs inside its caller's context and is attributed to it.
_audit_contexts: dict[str, object] = {}


@task_prerun.connect
def _open_audit_context(task_id=None, task=None, **kwargs):
    import pghistory

    if task.request.is_eager:
        return
    context = pghistory.context(channel="task", task=task.name)
    context.__enter__()
    _audit_contexts[task_id] = context


@task_postrun.connect
def _close_audit_context(task_id=None, **kwargs):
    context = _audit_contexts.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)
