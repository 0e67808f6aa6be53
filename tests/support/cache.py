"""The Redis cache of one test process."""

from __future__ import annotations

from practice.redis_cache import RedisCache


class OwnKeysRedisCache(RedisCache):
    """Clearing deletes this process's keys (its KEY_PREFIX) only: Django's clear() empties the
    whole Redis database, which the other test processes and their brokers share."""

    def clear(self) -> None:
        client = self._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
