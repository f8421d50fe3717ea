"""With Redis stopped, the public pages still serve and sign-in still works, with its
rate limit still enforced (counted in the web process's memory meanwhile)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories.partners import PASSWORD, UserFactory
from tests.services import own_redis


@pytest.fixture
def redis_that_stops(settings):
    """A Redis of the test's own as the cache; call the result to stop it."""
    with own_redis() as (url, server):
        settings.CACHES = {
            "default": {
                **settings.CACHES["default"],
                "BACKEND": "core.cache.RedisOrMemoryCache",
                "LOCATION": url,
            }
        }

        def stop() -> None:
            server.terminate()
            server.wait(timeout=10)

        yield stop


@pytest.mark.django_db
def test_with_redis_stopped_the_public_pages_and_sign_in_still_work(
    client, redis_that_stops, service_evidence
):
    cache.set("before", "in redis")
    assert cache.get("before") == "in redis"
    redis_that_stops()
    person = UserFactory()

    for url in [reverse("home"), reverse("applications:call_list"), reverse("account_login")]:
        assert client.get(url).status_code == 200, url
    response = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)
    service_evidence("cache: Redis stopped, the public pages and sign-in answered")


@pytest.mark.django_db
def test_with_redis_stopped_repeated_sign_in_failures_are_still_limited(client, redis_that_stops):
    redis_that_stops()
    person = UserFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": person.email, "password": "wrong"})

    response = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})

    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in client.session
