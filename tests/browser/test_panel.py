"""Reading for a call's panel, in the browser: a reader finds the applications given to
them on the dashboard, declares a conflict with one applicant (which goes to another
reader) and none with the other, and scores it in the anonymised first pass, told by
a focused error summary what is missing."""

import re

import pytest
from playwright.sync_api import expect

from applications import services
from applications.models import Assignment
from tests.browser.conftest import expect_problem, field, sign_in
from tests.factories.applications import open_call, submitted
from tests.factories.partners import (
    PASSWORD,
    OrganisationFactory,
    PartnershipFactory,
    ProgrammeYearFactory,
    coordinator_of,
    staff_of,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reader_declares_a_conflict_with_one_applicant_and_scores_the_other(
    page, live_server, axe
):
    host = OrganisationFactory(name="British Museum", can_host=True)
    year = ProgrammeYearFactory(year=2031, host=host)
    home = OrganisationFactory(name="Ashmolean Test Museum", slug="ashmolean")
    PartnershipFactory(year=year, organisation=home, confirmed=True)
    call = open_call(year=year, organisation=home)
    coordinator = coordinator_of(home, user__full_name="Cora Coordinator")
    reader = staff_of(home, user__full_name="Rhys Reader", user__email="rhys@ashmolean.example")
    spare = staff_of(home, user__full_name="Sol Spare")
    teammate = submitted(call=call, applicant=staff_of(home, user__full_name="Tia Teammate"))
    other = submitted(call=call, applicant=staff_of(home, user__full_name="Oli Other"))
    services.reader_add(call=call, user=reader, organisation=home, by=coordinator)
    services.reader_add(call=call, user=spare, organisation=home, by=coordinator)
    call.readers_per_application = 1
    call.save(update_fields=["readers_per_application"])
    for application in (teammate, other):
        services.assignment_add(application=application, reader=reader, by=coordinator)

    sign_in(page, live_server, reader.email, password=PASSWORD)
    page.get_by_role("link", name="2 applications to read").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications to read")
    axe(page)

    # The first: a teammate, so a conflict; it goes to another reader.
    page.get_by_role("link", name=f"Application {teammate.pk}").click()
    expect(page.get_by_text("This application is from Tia Teammate")).to_be_visible()
    page.get_by_role("button", name="Send my answer").click()
    expect_problem(page, "Say whether you have a conflict.")
    axe(page)
    page.get_by_role("radio", name="We work in the same team").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Thank you. The application goes to another reader.")).to_be_visible()
    expect(page.get_by_text("You declared a conflict: another reader has it")).to_be_visible()
    assert Assignment.objects.get(application=teammate, reader=spare).state == "assigned"
    axe(page)

    # The second: no conflict, then scored without the applicant's name.
    page.get_by_role("link", name=f"Application {other.pk}").click()
    page.get_by_role("radio", name="No conflict").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(
        page.get_by_text("You have no conflict: read the application and score it.")
    ).to_be_visible()
    expect(page.get_by_text("Oli Other")).to_have_count(0)
    expect(page.get_by_text("The first pass is anonymised")).to_be_visible()
    axe(page)

    gain = page.get_by_role("group", name=re.compile("What the applicant would gain"))
    gain.get_by_role("radio", name=re.compile(r"^3: ")).check()
    page.get_by_role("button", name="Submit my scores").click()
    expect_problem(page, "Score this criterion before submitting.")
    axe(page)
    # What was chosen is kept.
    expect(gain.get_by_role("radio", name=re.compile(r"^3: "))).to_be_checked()
    for title in (
        "What they would share back",
        "Benefit to both organisations",
        "Fit with what the destination can offer",
    ):
        group = page.get_by_role("group", name=re.compile(title))
        group.get_by_role("radio", name=re.compile(r"^4: ")).check()
    page.get_by_label("Your comment for the coordinator").fill("A clear plan to share.")
    page.get_by_role("button", name="Submit my scores").click()

    expect(page.get_by_text("Your scores are submitted. Thank you.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(f"Application {other.pk}"))).to_contain_text(
        "Scores submitted"
    )
    axe(page)
    page.get_by_role("link", name=f"Application {other.pk}").click()
    expect(page.get_by_text("They are final.")).to_be_visible()
    axe(page)


def test_a_coordinator_adds_readers_and_gives_each_application_two(page, live_server, axe):
    host = OrganisationFactory(name="British Museum", can_host=True)
    year = ProgrammeYearFactory(year=2031, host=host)
    home = OrganisationFactory(name="Ashmolean Test Museum", slug="ashmolean")
    PartnershipFactory(year=year, organisation=home, confirmed=True)
    call = open_call(year=year, organisation=home)
    coordinator = coordinator_of(home, user__full_name="Cora Coordinator")
    staff_of(home, user__full_name="Rhys Reader", job_title="Registrar")
    coordinator_of(host, user__full_name="Priya Host", job_title="Head of Partnerships")
    for name in ("Tia Teammate", "Oli Other"):
        submitted(call=call, applicant=staff_of(home, user__full_name=name))

    sign_in(page, live_server, coordinator.email, password=PASSWORD)
    page.get_by_role("link", name="Your calls and applications").click()
    page.get_by_role("link", name="Ashmolean Test Museum, 2031").click()
    page.get_by_role("link", name="Readers and who reads what").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Readers of Ashmolean Test Museum, 2031"
    )
    axe(page)

    page.get_by_role("button", name="Add the reader").click()
    expect_problem(page, "Choose who is to read.")
    axe(page)
    page.get_by_label("Find someone at your organisation or a destination").fill("Registrar")
    page.get_by_role("button", name="Search").click()
    field(page, "Person to add").select_option(
        label="Rhys Reader (Registrar): Ashmolean Test Museum"
    )
    page.get_by_role("button", name="Add the reader").click()
    expect(page.get_by_text("Rhys Reader reads for the call now.")).to_be_visible()
    page.get_by_label("Find someone at your organisation or a destination").fill("")
    page.get_by_role("button", name="Search").click()
    field(page, "Person to add").select_option(
        label="Priya Host (Head of Partnerships): British Museum"
    )
    page.get_by_role("button", name="Add the reader").click()
    expect(page.get_by_text("Priya Host reads for the call now.")).to_be_visible()

    page.get_by_role("button", name="Give each application 2 readers").click()
    expect(
        page.get_by_text("4 applications given to readers. Each reader is emailed.")
    ).to_be_visible()
    readers = page.get_by_role("region", name="Each application and its readers")
    expect(readers.get_by_text("to declare any conflict")).to_have_count(4)
    axe(page)
