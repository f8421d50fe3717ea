"""Placements, in the browser: the home coordinator proposes (which approves), the host
coordinator approves and the placement is confirmed; the supervisor plans a day; the
participant downloads the calendar file and claims an expense with a receipt; the
manager approves the claim."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from icalendar import Calendar
from playwright.sync_api import expect

from placements.models import ExpenseClaim, Placement
from tests.browser.conftest import expect_problem, field, sign_in
from tests.factories.applications import open_call, submitted
from tests.factories.partners import (
    PASSWORD,
    OrganisationFactory,
    PartnershipFactory,
    ProgrammeYearFactory,
    coordinator_of,
    programme_manager,
    staff_of,
)
from tests.factories.placements import PDF, confirmed_a, select

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in_as(page, live_server, person):
    page.context.clear_cookies()
    sign_in(page, live_server, person.email, password=PASSWORD)


def _dashboard_link(page, name):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    page.get_by_role("link", name=name, exact=True).click()


def test_both_coordinators_approve_the_supervisor_plans_and_the_participant_claims(
    page, live_server, axe, tmp_path
):
    host = OrganisationFactory(name="British Museum", slug="bm", can_host=True)
    year = ProgrammeYearFactory(year=2031, host=host)
    home = OrganisationFactory(name="Ashmolean Test Museum", slug="ashmolean")
    PartnershipFactory(year=year, organisation=home, confirmed=True)
    sam = staff_of(home, user__full_name="Sam Sample", user__email="sam@ashmolean.example")
    cora = coordinator_of(home, user__full_name="Cora Coordinator")
    hana = coordinator_of(host, user__full_name="Hana Host")
    sid = staff_of(host, user__full_name="Sid Supervisor")
    manager = programme_manager(full_name="Morgan Ellis")
    select(
        submitted(
            call=open_call(year=year, organisation=home),
            applicant=sam,
            access_requirements="A quiet room for breaks.",
        ),
        by=cora,
        destination=host,
    )

    # The home coordinator proposes a placement; a Saturday start is refused.
    _sign_in_as(page, live_server, cora)
    _dashboard_link(page, "Placements to propose and approve")
    axe(page)
    page.get_by_role("link", name="Propose a placement for Sam Sample").click()
    axe(page)
    field(page, "Host supervisor").select_option(label="Sid Supervisor")
    field(page, "First day").fill("2031-06-07")
    page.get_by_role("button", name="Propose the placement").click()
    expect_problem(page, "7 June 2031 is a Saturday.")
    axe(page)
    field(page, "First day").fill("2031-06-02")
    page.get_by_role("button", name="Propose the placement").click()
    expect(
        page.get_by_text(
            "The placement from 2 June 2031 to 6 June 2031 is proposed, and so approved for "
            "Ashmolean Test Museum. British Museum's coordinator has been asked to approve it."
        )
    ).to_be_visible()
    expect(page.get_by_text("You have approved this placement.")).to_be_visible()
    expect(page.get_by_text("A quiet room for breaks.")).to_be_visible()
    axe(page)

    # The host coordinator approves, and it is confirmed.
    _sign_in_as(page, live_server, hana)
    _dashboard_link(page, "Placements to propose and approve")
    expect(page.get_by_role("row", name=re.compile("Sam Sample"))).to_contain_text(
        "Waiting for your approval"
    )
    page.get_by_role("link", name="Sam Sample").click()
    page.get_by_role("radio", name="Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(
        page.get_by_text("Approved: the placement is confirmed, and everyone has been told.")
    ).to_be_visible()
    page.get_by_role("link", name="See the placements calendar").click()
    expect(page.get_by_role("heading", name="Week beginning 2 June 2031")).to_be_visible()
    axe(page)
    assert Placement.objects.get().status == Placement.Status.CONFIRMED

    # The supervisor plans the first morning and prints the plan.
    _sign_in_as(page, live_server, sid)
    _dashboard_link(page, "Your placements")
    axe(page)
    page.get_by_role("link", name="Sam Sample at British Museum").click()
    expect(page.get_by_text("A quiet room for breaks.")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Plan the days").click()
    axe(page)
    field(page, "Day").select_option(label="Day 1, Monday 2 June")
    field(page, "Starts").fill("10:00")
    field(page, "Ends").fill("11:30")
    field(page, "Activity").fill("Welcome and tour of the Enlightenment Gallery")
    field(page, "Department").fill("Learning")
    field(page, "Contact person").fill("Dr Ruth Ames")
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_text("The session is added to the plan.")).to_be_visible()
    day_one = page.get_by_role("region", name="Day 1: Monday 2 June 2031")
    expect(day_one.get_by_role("row", name=re.compile("Welcome and tour"))).to_contain_text(
        "10:00–11:30"
    )
    axe(page)
    page.get_by_role("link", name="Printable plan").click()
    expect(page.get_by_role("button", name="Print this plan")).to_be_visible()
    axe(page)

    # The participant sees it on their dashboard, downloads the calendar file and
    # claims an expense.
    _sign_in_as(page, live_server, sam)
    placements = page.get_by_role("region", name="Your placements")
    expect(placements).to_contain_text("Plan your days with Sid Supervisor: 1 session planned")
    axe(page)
    _dashboard_link(page, "Your placements")
    page.get_by_role("link", name="Sam Sample at British Museum").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download to your calendar (.ics)").click()
    calendar = Calendar.from_ical(download.value.path().read_bytes())
    assert [event.decoded("dtstart") for event in calendar.walk("VEVENT")] == [
        datetime.date(2031, 6, day) for day in (2, 3, 4, 5, 6)
    ]
    assert "Welcome and tour" in str(calendar.walk("VEVENT")[0]["description"])
    page.get_by_role("link", name="Claim an expense").click()
    axe(page)
    field(page, "Kind of cost").select_option(label="Subsistence")
    field(page, "What it was for").fill("Lunch on the first day")
    field(page, "Date of the expense").fill("2031-06-02")
    field(page, "Amount (£)").fill("11.40")
    receipt = tmp_path / "lunch-receipt.pdf"
    receipt.write_bytes(PDF)
    field(page, "Receipt").set_input_files(receipt)
    page.get_by_role("button", name="Send the claim").click()
    expect(page.get_by_text("Your claim is sent.")).to_be_visible()
    claims = page.get_by_role("table", name="Your claims")
    expect(claims.get_by_role("row", name=re.compile("Lunch on the first day"))).to_contain_text(
        "Waiting for approval"
    )
    axe(page)
    _dashboard_link(page, "Your placements")
    page.get_by_role("link", name="Add your placements to your own calendar").click()
    page.get_by_role("button", name="Make my calendar address").click()
    expect(field(page, "Your new calendar address")).to_have_value(re.compile(r"/calendar/feed/"))
    axe(page)

    # The manager approves the claim in the admin.
    _sign_in_as(page, live_server, manager)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Expense claims").click()
    expect(page.get_by_role("heading", name="Select expense claim to change")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Approve or query").click()
    expect(page.get_by_role("heading", name=re.compile("Decide the claim"))).to_be_visible()
    axe(page)
    page.get_by_role("radio", name="Approve for payment").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(
        page.get_by_text("The claim is approved; the participant has been told.")
    ).to_be_visible()
    axe(page)
    assert ExpenseClaim.objects.get().status == ExpenseClaim.Status.APPROVED


def test_the_manager_completes_a_placement_early_in_the_admin(page, live_server, axe, cast):
    placement = confirmed_a(cast)  # 2 to 6 June 2031

    with time_machine.travel(datetime.datetime(2031, 6, 4, 12, 0, tzinfo=datetime.UTC)):
        sign_in(page, live_server, cast.manager.email, password=PASSWORD)
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Administration"
        ).click()
        page.locator("#placements-placement").get_by_role("link", name="Placements").click()
        page.get_by_role("link", name="Alex Applicant").click()
        page.get_by_role("link", name="Complete the placement").click()
        expect(
            page.get_by_role("heading", name=re.compile("Complete the placement"))
        ).to_be_visible()
        axe(page)
        page.get_by_role("button", name="Complete the placement").click()
        summary = page.locator("[data-error-summary]")
        expect(summary).to_be_focused()
        expect(page).to_have_title(re.compile("^Error: "))
        summary.get_by_role("link", name="Say why.").click()
        expect(page.get_by_role("textbox", name=re.compile("^Reason"))).to_be_focused()
        axe(page)
        page.get_by_role("textbox", name=re.compile("^Reason")).fill(
            "The host closed on Thursday for repairs."
        )
        page.get_by_role("button", name="Complete the placement").click()
        expect(
            page.get_by_text("The placement is completed; its evaluation is open.")
        ).to_be_visible()
        axe(page)

    placement.refresh_from_db()
    assert placement.status == Placement.Status.COMPLETED
    assert placement.decision_note == "The host closed on Thursday for repairs."


def test_the_manager_adds_a_hosts_closure_day_in_the_admin(page, live_server, axe, cast):
    sign_in(page, live_server, cast.manager.email, password=PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    page.locator("#partners-organisation").get_by_role("link", name="Organisations").click()
    page.get_by_role("link", name="Host Test Museum").click()
    page.get_by_role("button", name="Add another Closure day").click()
    page.get_by_role("textbox", name="Date").fill("2031-12-24")
    page.get_by_role("textbox", name="Reason").fill("Christmas Eve")
    axe(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile("was changed successfully"))).to_be_visible()
    axe(page)

    assert list(cast.host.closure_days.values_list("reason", flat=True)) == ["Christmas Eve"]


def test_a_coordinator_invites_a_supervisor_who_joins_through_the_emailed_link(
    page, live_server, axe
):
    host = OrganisationFactory(name="British Museum", slug="bm", can_host=True)
    year = ProgrammeYearFactory(year=2031, host=host)
    home = OrganisationFactory(name="Ashmolean Test Museum", slug="ashmolean")
    PartnershipFactory(year=year, organisation=home, confirmed=True)
    sam = staff_of(home, user__full_name="Sam Sample")
    cora = coordinator_of(home, user__full_name="Cora Coordinator")
    staff_of(host, user__full_name="Sid Supervisor", job_title="Curator", department="Asia")
    select(
        submitted(call=open_call(year=year, organisation=home), applicant=sam),
        by=cora,
        destination=host,
    )

    # The coordinator looks for the curator she has in mind: no one matches.
    _sign_in_as(page, live_server, cora)
    _dashboard_link(page, "Placements to propose and approve")
    page.get_by_role("link", name="Propose a placement for Sam Sample").click()
    expect(field(page, "Host supervisor")).to_contain_text("Sid Supervisor – Curator, Asia")
    page.get_by_role("searchbox", name="Find someone at British Museum").fill("prints")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No one at British Museum matches “prints”.")).to_be_visible()
    axe(page)

    # She invites her; a personal address is refused.
    page.get_by_role("link", name="Not on the list? Invite someone to supervise").click()
    axe(page)
    field(page, "Full name").fill("Nia Newcomer")
    field(page, "Email address").fill("nia@gmail.example")
    field(page, "Job title").fill("Curator of Prints")
    field(page, "Department (optional)").fill("Prints and Drawings")
    page.get_by_role("button", name="Invite them").click()
    expect_problem(page, "Use their British Museum email address (ending in bm.example).")
    expect(field(page, "Job title")).to_have_value("Curator of Prints")
    axe(page)
    field(page, "Email address").fill("nia@bm.example")
    page.get_by_role("button", name="Invite them").click()
    expect(page.get_by_text("We have emailed Nia Newcomer an invitation to join.")).to_be_visible()
    expect(field(page, "Host supervisor").locator("option:checked")).to_have_text(
        "Nia Newcomer – Curator of Prints, Prints and Drawings (invited, not joined yet)"
    )
    field(page, "First day").fill("2031-06-02")
    page.get_by_role("button", name="Propose the placement").click()
    expect(page.get_by_text("You have approved this placement.")).to_be_visible()

    # Nia joins through the emailed link, and is signed in.
    invitation = next(m for m in mail.outbox if m.to == ["nia@bm.example"])
    link = re.search(r"http\S+/join/\S+/", invitation.body).group(0)
    page.context.clear_cookies()
    page.goto(link.replace("http://127.0.0.1:8000", live_server.url))
    expect(page.get_by_text("Welcome, Nia Newcomer.")).to_be_visible()
    axe(page)
    field(page, "Choose a password").fill("a long passphrase 42")
    field(page, "The same password again").fill("a different one 42")
    page.get_by_role("button", name="Join").click()
    expect_problem(page, "The two password fields didn\N{RIGHT SINGLE QUOTATION MARK}t match.")
    axe(page)
    field(page, "Choose a password").fill("a long passphrase 42")
    field(page, "The same password again").fill("a long passphrase 42")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text("Welcome, Nia Newcomer: you have joined.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Nia")
    axe(page)
