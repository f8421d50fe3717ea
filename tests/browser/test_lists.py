"""A long list in the browser: the year chosen, pages, a name searched; axe on each."""

import time_machine
from playwright.sync_api import expect

from core.lists import PagedListMixin
from tests.browser.conftest import sign_in
from tests.factories.partners import (
    PASSWORD,
    OrganisationFactory,
    PartnershipFactory,
    ProgrammeYearFactory,
    programme_manager,
)

# Every test here has its database through live_server (see tests/browser/conftest.py).


def test_manager_pages_through_a_years_partnerships_and_finds_one_by_name(
    page, live_server, axe, monkeypatch
):
    monkeypatch.setattr(PagedListMixin, "paginate_by", 3)  # pages of three, in the server too
    manager = programme_manager(email="morgan@museum.example", full_name="Morgan Ellis")
    this_year = ProgrammeYearFactory(year=2031, partner_target=7)
    for number, name in enumerate(["Alder", "Birch", "Cedar", "Damson", "Elm", "Fir", "Gean"]):
        organisation = OrganisationFactory(name=f"{name} Museum", slug=f"{name.lower()}-museum")
        PartnershipFactory(year=this_year, organisation=organisation, confirmed=number < 5)
    PartnershipFactory(year=ProgrammeYearFactory(year=2030), organisation__name="Holly Museum")

    with time_machine.travel("2031-05-01 12:00 +0000", tick=True):
        sign_in(page, live_server, manager.email, PASSWORD)
        page.goto(f"{live_server.url}/partnerships/")

        table = page.get_by_role("table", name="Partnerships in 2031")
        expect(table.get_by_role("row")).to_have_count(4)  # a header and three
        expect(page.get_by_text("Showing 1 to 3 of 7.")).to_be_visible()
        axe(page)

        pages = page.get_by_role("navigation", name="Pages")
        pages.get_by_role("link", name="Next page").click()
        expect(page.get_by_text("Showing 4 to 6 of 7.")).to_be_visible()
        expect(table.get_by_role("row", name="2031 partnership Damson Museum")).to_be_visible()
        expect(pages.get_by_text("Page 2 of 3")).to_be_visible()

        page.get_by_label("Name").fill("holly")
        page.get_by_label("Year", exact=True).select_option("2030")
        page.get_by_role("button", name="Show").click()
        expect(
            page.get_by_role("table", name="Partnerships in 2030").get_by_role(
                "row", name="2030 partnership Holly Museum"
            )
        ).to_be_visible()
        expect(page.get_by_label("Name")).to_have_value("holly")
        axe(page)
