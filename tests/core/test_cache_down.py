"""With Redis stopped, the public pages still serve and sign-in still works, with its
rate limit still enforced (counted in the web process's memory meanwhile)."""

import socket
import subprocess
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import skip_or_fail
from tests.factories.partners import PASSWORD, UserFactory


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_that_stops(settings):
    """A Redis of the test's own as the cache; call the result to stop it."""
    port = _free_port()
    try:
        server = subprocess.Popen(
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        skip_or_fail("needs redis-server to start a Redis of the test's own")
    deadline = time.monotonic() + 10
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "BACKEND": "core.cache.RedisOrMemoryCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }

    def stop() -> None:
        server.terminate()
        server.wait(timeout=10)

    yield stop
    if server.poll() is None:
        stop()


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
