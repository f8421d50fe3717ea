"""A cache that keeps the site up when Redis does not answer.

Django's Redis cache raises when Redis is unreachable, so every page that reads the
cache (the public page's findings, sign-in's rate limits) would answer 500. This one
uses Redis while it answers and, while it does not, a cache in the process's memory:

- pages keep working; what they cached is worked out again (the findings from the
  database) and kept in memory until Redis is back;
- sign-in's rate limits are still enforced during an outage, but counted by each web
  process on its own, so with N processes a person gets at most N times the limit.
  The trade-off chosen over a database-backed cache: no table and no database writes
  on each attempt, for a limit that is looser for the minutes Redis is down.

Redis is tried again on each call, so the shared cache is back as soon as Redis is;
a refused connection costs nothing, and a silent one at most the socket timeouts set
in OPTIONS.
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
# Say that Redis is down at most once a minute per process, not on every call.
WARN_EVERY = 60.0


class RedisOrMemoryCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._memory = LocMemCache(f"fallback-{id(self)}", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
        self._warned_at = 0.0

    def _either(self, name: str, *args, **kwargs):
        try:
            return getattr(super(), name)(*args, **kwargs)
        except UNREACHABLE as error:
            now = time.monotonic()
            if now - self._warned_at > WARN_EVERY:
                self._warned_at = now
                logger.warning("Redis cache unreachable, using this process's memory: %s", error)
            return getattr(self._memory, name)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._either("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._either("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._either("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._either("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._either("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._either("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._either("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._either("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._either("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._either("delete_many", *args, **kwargs)

    def clear(self):
        self._memory.clear()
        return self._either("clear")
