"""Django's Redis cache, with one client per connection pool instead of one per call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache operation, and
a client's construction (its table of ~170 response callbacks) costs more than the round trip
it makes: the API throttle alone (a read and a write) paid it twice per request (issue #17,
`bench/explain.py --profile`). A `redis.Redis` is safe to share between threads (the pool hands
each command its own connection), and redis-py resets a pool inherited across a fork.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def clear(self):
        """This cache's keys only (`make_key`'s "<KEY_PREFIX>:<version>:<key>"), not Django's FLUSHDB:
        the database may hold the Celery broker's queues and other processes' keys — the parallel
        test workers, each with its own KEY_PREFIX, cleared each other's rows mid-test."""
        client = self._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
