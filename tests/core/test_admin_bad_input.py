"""The admin answers bad input on its fields, never with a 500."""

import re

import pytest
from django.urls import reverse

from tests.factories.placements import confirmed_a


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "data", "field"),
    [
        ("admin:partners_membership_add", {"user": "abc", "organisation": "1e3"}, "user"),
        ("admin:partners_partnership_add", {"year": "x'1", "coordinators": ["abc"]}, "year"),
        ("admin:applications_call_add", {"year": "abc", "organisation": "-1"}, "organisation"),
        ("admin:partners_programmeyear_add", {"year": "2040", "host": "abc"}, "host"),
    ],
)
def test_a_key_that_is_not_a_number_in_an_autocomplete_is_a_field_error(
    client, cast, page, data, field
):
    client.force_login(cast.manager)

    response = client.post(reverse(page), data)

    assert response.status_code == 200
    assert "Select a valid choice" in " ".join(response.context["adminform"].form.errors[field])


@pytest.mark.django_db
def test_tampered_inline_counts_on_a_placement_are_ignored_for_read_only_rows(client, cast):
    placement = confirmed_a(cast)
    client.force_login(cast.manager)
    url = reverse("admin:placements_placement_change", args=[placement.pk])
    counts = re.findall(r'name="([^"]+)-TOTAL_FORMS"', client.get(url).content.decode())

    response = client.post(
        url,
        {
            **{f"{prefix}-TOTAL_FORMS": "5" for prefix in counts},
            **{f"{prefix}-INITIAL_FORMS": "3" for prefix in counts},
        },
    )

    assert response.status_code == 200
