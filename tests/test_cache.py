"""The shared Redis cache (pronexis.cache): clearing it deletes this cache's keys only — never the
Celery broker's queues in the same database, nor another process's cache (another KEY_PREFIX)."""

from django.core.cache import caches
from django.core.cache.backends.base import default_key_func


def test_clear_deletes_this_caches_keys_and_nothing_else():
    cache = caches["default"]
    client = cache._cache.get_client(write=True)
    other_process = default_key_func("row", "another-worker", 1)
    client.set(other_process, b"kept")
    client.lpush("celery-test-queue", b"a task")
    cache.set("row", "mine")
    cache.clear()
    try:
        assert cache.get("row") is None
        assert client.get(other_process) == b"kept" and client.llen("celery-test-queue") == 1
    finally:
        client.delete(other_process, "celery-test-queue")
