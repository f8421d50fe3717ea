"""Lists show one year at a time, in pages, searchable by name, and count no further
than LIST_MOST_ROWS; a page number or year typed wrong still shows the list."""

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from core.admin import ProgrammeYearFilter
from core.lists import BoundedListMixin, BoundedPaginator, PagedListMixin
from tests.factories.partners import (
    OrganisationFactory,
    PartnershipFactory,
    ProgrammeYearFactory,
    programme_manager,
)

pytestmark = pytest.mark.django_db

URL = reverse("partners:partnership_list")


@pytest.fixture(autouse=True)
def _in_2031():
    with time_machine.travel("2031-06-01 12:00 +0000"):
        yield


@pytest.fixture
def years(client, monkeypatch):
    """Five partners in 2030 and three in 2031 (named Alder, Birch, Cedar...), the
    manager signed in, and pages of two."""
    monkeypatch.setattr(PagedListMixin, "paginate_by", 2)
    names = ["Alder", "Birch", "Cedar", "Damson", "Elm"]
    for year, count in ((2030, 5), (2031, 3)):
        programme_year = ProgrammeYearFactory(year=year, partner_target=5)
        for name in names[:count]:
            organisation = OrganisationFactory(name=f"{name} Museum {year}", slug=f"{name}-{year}")
            PartnershipFactory(year=programme_year, organisation=organisation)
    ProgrammeYearFactory(year=2032)  # still to come: not the default
    client.force_login(programme_manager())
    return client


def _names(response) -> list[str]:
    return [p.organisation.name for p in response.context["partnerships"]]


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_current_year_shows_first_in_pages(years):
    first = years.get(URL)
    second = years.get(URL, {"page": 2})

    assert _names(first) == ["Alder Museum 2031", "Birch Museum 2031"]
    assert _names(second) == ["Cedar Museum 2031"]
    assert "Showing 1 to 2 of 3." in _text(first)
    assert 'href="?year=2031&amp;page=2">Next page' in _text(first)
    assert 'aria-current="page"><span class="page-link">Page 1 of 2' in _text(first)


@pytest.mark.parametrize(
    ("there", "shown"),
    [
        ([2027, 2026, 2019], 2026),  # this year's programme
        ([2027, 2019], 2027),  # none this year: next year's calls, not 2019
        ([2028, 2025], 2025),  # last year's is nearer than the one after next
        ([2027, 2025], 2027),  # as near: the one to come
        ([], None),
    ],
)
def test_the_year_shown_first_is_this_year_or_else_the_nearest(there, shown):
    with time_machine.travel(datetime.datetime(2026, 12, 7, 12, tzinfo=datetime.UTC)):
        assert BoundedListMixin().default_year(there) == shown


def test_another_year_and_a_name_narrow_the_list(years):
    response = years.get(URL, {"year": 2030, "q": "damson"})

    assert _names(response) == ["Damson Museum 2030"]
    assert 'value="damson"' in _text(response)  # what was typed is kept
    nobody = years.get(URL, {"year": 2030, "q": "Oak"})
    assert "No partnership in 2030 is with an organisation whose name contains “Oak”." in (
        _text(nobody)
    )


@pytest.mark.parametrize(("page", "shown"), [("abc", "Alder"), ("999", "Cedar"), ("-1", "Cedar")])
def test_a_page_number_typed_wrong_still_shows_the_list(years, page, shown):
    response = years.get(URL, {"page": page})

    assert response.status_code == 200
    assert _names(response)[0].startswith(shown)


def test_a_year_there_is_not_is_explained_beside_the_field(years):
    response = years.get(URL, {"year": "1999", "q": "Birch"})

    assert response.status_code == 200
    page = _text(response)
    assert (
        'id="id_year-error">Select a valid choice. 1999 is not one of the available choices.'
        in page
    )
    assert 'aria-describedby="id_year-error"' in page
    assert _names(response) == ["Birch Museum 2031"]  # this year's, searched as asked


def test_a_long_list_is_counted_no_further_than_the_most(years, monkeypatch):
    monkeypatch.setattr(BoundedPaginator, "most", 4)

    response = years.get(URL, {"year": 2030, "page": 9})

    assert response.context["paginator"].capped
    assert response.context["paginator"].num_pages == 2
    assert "of more than 4. Choose a year or search by name to find someone." in _text(response)


@pytest.mark.usefixtures("postgresql")
def test_a_capped_admin_list_of_a_whole_table_says_about_how_many_it_holds(years, monkeypatch):
    """From PostgreSQL's statistics, never a count; a filtered list just says 'more'."""
    monkeypatch.setattr(BoundedPaginator, "most", 4)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE partners_organisation")
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'partners_organisation'"
        )
        (estimate,) = cursor.fetchone()
    cache.delete("estimated-rows:partners_organisation")
    url = reverse("admin:partners_organisation_changelist")

    assert estimate > 4
    assert f"More than 4 organisations (about {estimate} in all)" in _text(years.get(url))
    filtered = _text(years.get(url, {"q": "Museum"}))
    assert "More than 4 organisations: filter or search to find the rest." in filtered


ADMIN_URL = reverse("admin:partners_partnership_changelist")


def _admin_names(response) -> list[str]:
    return sorted(p.organisation.name for p in response.context["cl"].result_list)


def _year_choices(response) -> list[tuple[str, bool]]:
    (spec,) = [s for s in response.context["cl"].filter_specs if isinstance(s, ProgrammeYearFilter)]
    return [(c["display"], c["selected"]) for c in spec.choices(response.context["cl"])]


def test_an_admin_list_of_many_years_shows_this_year_until_another_is_chosen(years):
    """As the site's lists do: the year is a choice, and so is every year."""
    first = years.get(ADMIN_URL)
    assert _admin_names(first) == ["Alder Museum 2031", "Birch Museum 2031", "Cedar Museum 2031"]
    assert _year_choices(first) == [
        ("All years", False),
        ("2032", False),
        ("2031", True),
        ("2030", False),
    ]
    assert len(_admin_names(years.get(ADMIN_URL, {"year": "all"}))) == 8
    assert _admin_names(years.get(ADMIN_URL, {"year": "2030"}))[0] == "Alder Museum 2030"
    # A year there is not shows this year's, as the site's lists do.
    assert _admin_names(years.get(ADMIN_URL, {"year": "1999"})) == _admin_names(first)
    assert _year_choices(years.get(ADMIN_URL, {"year": "all"}))[0] == ("All years", True)
