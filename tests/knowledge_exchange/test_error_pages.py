"""Error pages keep the site's look and say what to do next, without leaking anything."""

import pytest
from django.test import RequestFactory
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_unknown_address_is_a_404_in_the_site_layout(client):
    response = client.get("/no-such-page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in page
    assert 'href="#main-content"' in page
    assert "URLconf" not in page


def test_server_error_page_renders_without_a_request_context():
    response = defaults.server_error(RequestFactory().get("/"))

    page = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page
    assert "Traceback" not in page


def test_permission_denied_page_says_who_to_ask(rf, cast):
    request = rf.get("/")
    request.user = cast.staff

    response = defaults.permission_denied(request, exception=PermissionError("no"))

    assert response.status_code == 403
    assert "You cannot do that" in response.content.decode()


def test_expired_form_explains_itself(client):
    client = client.__class__(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"login": "a@example.org", "password": "x"})

    assert response.status_code == 403
    assert "Your form has expired" in response.content.decode()


def test_the_site_has_a_favicon_where_browsers_look_for_it(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an icon file
