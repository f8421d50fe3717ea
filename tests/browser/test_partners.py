"""Programme years and partners, in the browser: the manager confirms partners in the
admin, the public reads who they are, coordinators see their partnerships."""

import re

from playwright.sync_api import expect

from core.dates import long_date
from partners import demo
from partners.models import ProgrammeYear
from tests.browser.conftest import expect_problem, sign_in
from tests.factories.partners import (
    PASSWORD,
    OrganisationFactory,
    PartnershipFactory,
    ProgrammeYearFactory,
    coordinator_of,
    programme_manager,
)

# Every test here has its database through live_server (see tests/browser/conftest.py).

INVITED = [
    ("Storiel", "Bangor", "wales"),
    ("Tower Museum", "Derry", "northern_ireland"),
    ("The Whitworth", "Manchester", "england"),
    ("The Hunterian", "Glasgow", "scotland"),
    ("Tullie House", "Carlisle", "england"),
    ("Leeds Museums and Galleries", "Leeds", "england"),
]


def test_manager_confirms_five_partners_the_sixth_is_refused_and_the_public_sees_five(
    page, live_server, axe
):
    manager = programme_manager(email="morgan@museum.example", full_name="Morgan Ellis")
    year = ProgrammeYearFactory(
        year=2032, host=OrganisationFactory(name="British Museum", town="London", can_host=True)
    )
    for name, town, nation in INVITED:
        PartnershipFactory(
            year=year, organisation=OrganisationFactory(name=name, town=town, nation=nation)
        )

    sign_in(page, live_server, manager.email, password=PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Programme years").first.click()
    page.get_by_role("link", name="Overview of 2032").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2032 at a glance")
    expect(page.get_by_text("Partners confirmed: 0 of 5")).to_be_visible()

    # Two from the year's overview...
    page.get_by_label("Storiel").check()
    page.get_by_label("Tower Museum").check()
    page.get_by_role("button", name="Confirm the chosen invitations").click()
    expect(page.get_by_text("Confirmed 2 partners: Storiel, Tower Museum.")).to_be_visible()
    expect(page.get_by_text("Partners confirmed: 2 of 5")).to_be_visible()

    # ...three with the action on the list of partnerships...
    page.goto(f"{live_server.url}/admin/partners/partnership/?status__exact=invited")
    for name in ("The Whitworth", "The Hunterian", "Tullie House"):
        page.get_by_role("checkbox", name=re.compile(f"{name} in 2032")).check()
    page.get_by_label("Action:").select_option(label="Confirm the selected invitations")
    page.get_by_role("button", name="Go").click()
    expect(
        page.get_by_text("Confirmed 3 partners: The Hunterian, The Whitworth, Tullie House.")
    ).to_be_visible()

    # ...and the sixth is refused, saying why.
    page.goto(f"{live_server.url}/admin/partners/programmeyear/{year.pk}/overview/")
    expect(page.get_by_text("Partners confirmed: 5 of 5")).to_be_visible()
    page.get_by_label("Leeds Museums and Galleries").check()
    page.get_by_role("button", name="Confirm the chosen invitations").click()
    expect(
        page.get_by_text(
            "Not confirmed: Leeds Museums and Galleries. 2032 already has 5 confirmed "
            "partners, which is its target of 5."
        )
    ).to_be_visible()
    expect(page.get_by_text("Partners confirmed: 5 of 5")).to_be_visible()
    axe(page)

    # The public programme page lists the five, and the year has its own page.
    page.get_by_role("link", name="View site").click()
    partners = page.get_by_role("table", name="Partners for 2032")
    for name, town, _nation in INVITED[:5]:
        expect(partners.get_by_role("row", name=re.compile(f"{name} {town}"))).to_be_visible()
    expect(partners.get_by_role("row")).to_have_count(6)
    expect(page.get_by_text("Leeds Museums and Galleries")).to_have_count(0)
    axe(page)

    page.get_by_role("link", name="More about 2032").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Knowledge Exchange 2032")
    expect(page.get_by_role("table", name="Partners for 2032").get_by_role("row")).to_have_count(6)
    axe(page)


def test_coordinator_follows_their_partnerships_from_the_dashboard(
    page, live_server, axe, demo_programme
):
    planning = demo.programme_years()[1][0]
    sign_in(page, live_server, demo.email_for("Eilidh MacLeod", "national-museums-scotland"))

    expect(
        page.get_by_role("heading", name="Coordinator for National Museums Scotland")
    ).to_be_visible()
    page.get_by_role("link", name=f"Your partnership in {planning}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"National Museums Scotland in {planning}"
    )
    expect(page.get_by_text("Returning partner")).to_be_visible()
    # The demo's calls are open, and the year's dates say so.
    closes = long_date(ProgrammeYear.objects.get(year=planning).calls_close_on)
    expect(page.get_by_text(f"Calls to staff are open until {closes}")).to_be_visible()
    axe(page)

    page.get_by_role("link", name="Your partnerships").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your partnerships")
    # This year's first (the year to come, none being this year); earlier years by choice.
    expect(page.get_by_role("link", name=f"{planning} partnership")).to_be_visible()
    page.get_by_label("Year").select_option("2019")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("link", name="2019 partnership")).to_be_visible()
    axe(page)

    page.get_by_role("link", name="2019 partnership").click()
    expect(page.get_by_text("This year is complete. Thank you for taking part.")).to_be_visible()
    axe(page)


def test_public_reads_the_programme_page_and_past_years(page, live_server, axe, demo_programme):
    page.goto(live_server.url)

    expect(page.get_by_role("heading", name="Partners of past years")).to_be_visible()
    page.get_by_role("link", name="2019", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Knowledge Exchange 2019")
    expect(page.get_by_role("table", name="Partners for 2019").get_by_role("row")).to_have_count(6)
    expect(page.get_by_role("link", name=demo.MANAGER[0])).to_have_count(0)
    axe(page)


def test_host_coordinator_follows_the_year_they_host(page, live_server, axe, demo_programme):
    planning = demo.programme_years()[1][0]
    sign_in(page, live_server, demo.email_for("Priya Shah", demo.HOST_SLUG))

    expect(page.get_by_text(f"{planning}: your organisation hosts the programme")).to_be_visible()
    page.get_by_role("link", name="The years you host and your partnerships").click()
    # The list opens on this year; the year being planned is a choice away.
    page.get_by_label("Year", exact=True).select_option(str(planning))
    page.get_by_role("button", name="Show").click()
    hosted = page.get_by_role("table", name=f"Years hosted: {planning}")
    expect(
        hosted.get_by_role("row", name=re.compile(f"{planning} programme .* 4 of 5"))
    ).to_be_visible()
    axe(page)


def test_coordinator_answers_the_invitation_from_the_dashboard_and_the_manager_confirms(
    page, live_server, axe
):
    manager = programme_manager(email="morgan@museum.example", full_name="Morgan Ellis")
    storiel = OrganisationFactory(name="Storiel", town="Bangor", nation="wales")
    gwen = coordinator_of(storiel, user__email="gwen@storiel.example")
    year = ProgrammeYearFactory(year=2032, host__name="British Museum")
    PartnershipFactory(year=year, organisation=storiel)

    sign_in(page, live_server, gwen.email, password=PASSWORD)
    page.get_by_role("link", name="Answer the invitation to 2032 for Storiel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Storiel in 2032")
    axe(page)

    # Declining needs a reason; the choice made is kept.
    page.get_by_label("No, we decline it this year").check()
    page.get_by_role("button", name="Send the answer").click()
    expect_problem(
        page, "Say why your organisation cannot take part, so the programme manager can plan."
    )
    expect(page.get_by_label("No, we decline it this year")).to_be_checked()
    axe(page)

    page.get_by_label("Yes, we accept the invitation").check()
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_text("Thank you: you have accepted.")).to_be_visible()
    expect(page.get_by_text("Accepted, to be confirmed")).to_be_visible()
    expect(page.get_by_role("button", name="Send the answer")).to_have_count(0)
    axe(page)

    page.get_by_role("button", name="Your account").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, manager.email, password=PASSWORD)
    expect(page.get_by_text("1 has been accepted, waiting for you to confirm it.")).to_be_visible()
    page.get_by_role("link", name="0 of 5 partners confirmed for 2032").click()
    page.get_by_label("Storiel (accepted)").check()
    page.get_by_role("button", name="Confirm the chosen invitations").click()
    expect(page.get_by_text("Partners confirmed: 1 of 5")).to_be_visible()
    axe(page)
