"""When CI requires the real services, the run must really be using them."""

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from redis import Redis

from tests.conftest import SERVICES_REQUIRED

pytestmark = pytest.mark.skipif(
    not SERVICES_REQUIRED, reason="only checked when CI or REQUIRE_SERVICES is set"
)


@pytest.mark.django_db
def test_database_is_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0])


def test_cache_is_the_shared_redis():
    assert isinstance(caches["default"], RedisCache)
    cache.set("environment-check", "here", 5)
    assert cache.get("environment-check") == "here"
    # Kept in Redis itself, not in the process's memory that stands in when it is down.
    redis = Redis.from_url(settings.CACHES["default"]["LOCATION"])
    assert redis.exists(cache.make_and_validate_key("environment-check")) == 1


def test_broker_is_redis():
    assert settings.CELERY_BROKER_URL.startswith("redis://")
