"""Pages shown to someone signed in, and a calendar feed, are not kept by browsers or
proxies; public pages may be."""

import pytest
from django.urls import reverse

from placements.services import calendar_feed_reset
from tests.factories.partners import UserFactory


@pytest.mark.django_db
def test_pages_of_someone_signed_in_are_not_kept_by_browsers_or_proxies(client):
    public = client.get(reverse("home"))
    assert "no-store" not in public.get("Cache-Control", "")

    client.force_login(UserFactory())
    for name in ["dashboard", "account_email", "applications:application_list"]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "private" in response["Cache-Control"], name
        assert "no-store" in response["Cache-Control"], name


@pytest.mark.django_db
def test_a_calendar_feed_is_not_kept_by_proxies(client):
    token = calendar_feed_reset(user=UserFactory())

    response = client.get(reverse("placements:calendar_feed_file", args=[token]))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
