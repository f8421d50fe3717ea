"""Calls and applications, in the browser: a member of staff drafts, leaves, returns and
submits; the line manager endorses through the emailed link; the coordinator shortlists,
selects one person and declines another as drafts, and releases them once the call
closes; each applicant sees the outcome."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from applications import services
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
from tests.factories.placements import release

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in_as(page, live_server, person):
    page.context.clear_cookies()
    sign_in(page, live_server, person.email, password=PASSWORD)


def _go_to_dashboard(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()


def test_draft_submit_endorse_select_decline_and_each_applicant_sees_the_outcome(
    page, live_server, axe
):
    year = ProgrammeYearFactory(year=2031, host=OrganisationFactory(name="British Museum"))
    home = OrganisationFactory(name="Ashmolean Test Museum", slug="ashmolean")
    PartnershipFactory(year=year, organisation=home, confirmed=True)
    call = open_call(year=year, organisation=home)
    sam = staff_of(home, user__full_name="Sam Sample", user__email="sam@ashmolean.example")
    pat = staff_of(home, user__full_name="Pat Other", user__email="pat@ashmolean.example")
    submitted(call=call, applicant=pat)
    coordinator = coordinator_of(home, user__full_name="Cora Coordinator")

    # Sam finds the call and starts a draft.
    _sign_in_as(page, live_server, sam)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Open calls").click()
    axe(page)
    page.get_by_role("link", name="Ashmolean Test Museum: call for 2031").click()
    axe(page)
    page.get_by_role("link", name="Start your application").click()
    axe(page)
    page.get_by_role("button", name="Start a draft").click()
    field(page, "Job title (needed to submit)").fill("Assistant Curator")
    field(page, "Department (needed to submit)").fill("Prints and Drawings")
    field(page, "What you want to learn, and why (needed to submit)").fill(
        "How a national museum shares its prints with small venues."
    )
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Your draft is saved.")).to_be_visible()
    axe(page)

    # Sam leaves, comes back from the dashboard, and finds everything kept.
    page.get_by_role("link", name="The programme").click()
    _go_to_dashboard(page)
    page.get_by_role("link", name="Your applications").click()
    axe(page)
    page.get_by_role("link", name="Continue your draft").click()
    expect(field(page, "Department (needed to submit)")).to_have_value("Prints and Drawings")
    expect(field(page, "What you want to learn, and why (needed to submit)")).to_have_value(
        "How a national museum shares its prints with small venues."
    )
    field(page, "Specialism (needed to submit)").select_option(label="Curatorial and research")
    field(page, "Career level (needed to submit)").select_option(label="Early career")
    field(page, "Line manager's name (needed to submit)").fill("Lina Manager")
    field(page, "Line manager's email address (needed to submit)").fill("lina@ashmolean.example")
    field(page, "First choice of destination (needed to submit)").select_option(
        label="British Museum"
    )
    field(page, "What you can share with the host (needed to submit)").fill("Print rooms.")
    field(page, "Departments or areas you hope to spend time with (needed to submit)").fill(
        "Prints and Drawings; Learning."
    )
    field(page, "Your availability (needed to submit)").fill("Any week in October.")
    field(page, "Access requirements").fill("A seat near the door, please.")
    page.get_by_label("I have read the privacy notice (needed to submit)").check()
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_text("Your application is submitted.")).to_be_visible()
    expect(page.get_by_text("Waiting for Lina Manager")).to_be_visible()
    axe(page)

    # The line manager, with no account, endorses through the emailed link.
    request = next(m for m in mail.outbox if m.to == ["lina@ashmolean.example"])
    link = re.search(r"http\S+/endorse/\S+/", request.body).group(0)
    page.context.clear_cookies()
    page.goto(link.replace("http://127.0.0.1:8000", live_server.url))
    expect(page.get_by_role("heading", level=1)).to_have_text("Endorse an application")
    axe(page)
    page.get_by_label("Yes, I endorse the time away for this placement").check()
    page.get_by_label("Comment for the coordinator (optional)").fill("Sam has earned this.")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    axe(page)

    # The coordinator shortlists Sam, then selects Sam, and declines Pat with a reason.
    _sign_in_as(page, live_server, coordinator)
    _go_to_dashboard(page)
    page.get_by_role("link", name="Your calls and applications").click()
    axe(page)
    page.get_by_role("link", name="Ashmolean Test Museum, 2031").click()
    axe(page)
    page.get_by_role("link", name="Sam Sample").click()
    expect(page.get_by_text("Sam has earned this.")).to_be_visible()
    expect(page.get_by_text("A seat near the door, please.")).to_be_visible()
    axe(page)
    page.get_by_role("radio", name="Shortlisted").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(
        page.get_by_text("Sam Sample: shortlisted. The shortlist is internal: they are not told.")
    ).to_be_visible()
    page.get_by_label("Status").select_option(label="Shortlisted")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("link", name="Pat Other")).to_have_count(0)
    page.get_by_role("link", name="Sam Sample").click()
    page.get_by_role("radio", name="Selected", exact=True).check()
    page.get_by_label("Destination, if selected").select_option(label="British Museum")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Sam Sample: selected, as a draft.")).to_be_visible()

    # Pat's line manager has not answered: selecting Pat needs a confirmation.
    page.get_by_role("link", name="Pat Other").click()
    page.get_by_role("radio", name="Selected", exact=True).check()
    page.get_by_label("Destination, if selected").select_option(label="British Museum")
    page.get_by_role("button", name="Record the decision").click()
    expect_problem(page, "Pat Other's line manager has not endorsed this application.")
    axe(page)
    page.get_by_role("radio", name="Not selected").check()
    page.get_by_role("button", name="Record the decision").click()
    expect_problem(page, "Say why the application is not selected")
    axe(page)
    page.get_by_label("Reason, if not selected").fill(
        "We had one place; please apply again next year."
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Pat Other: not selected, as a draft.")).to_be_visible()
    axe(page)
    assert not [m for m in mail.outbox if "selected" in m.subject]

    # Until the call closes, the decisions cannot be released.
    page.goto(live_server.url + reverse("applications:call_release", args=[call.pk]))
    expect(page.get_by_text("Decisions are released together after it closes")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Release"))).to_have_count(0)
    axe(page)

    # The call closes; the coordinator previews what each applicant will read, and releases.
    type(call).objects.filter(pk=call.pk).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    page.goto(live_server.url + reverse("applications:call_review", args=[call.pk]))
    page.get_by_role("link", name="Preview and release the decisions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Release the decisions")
    expect(page.get_by_role("heading", name="Selected: for example, to Sam Sample")).to_be_visible()
    expect(
        page.get_by_text("We had one place; please apply again next year.").first
    ).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Release 2 decisions and email each applicant").click()
    expect(
        page.get_by_text("2 decisions released: each applicant has been emailed.")
    ).to_be_visible()
    expect(page.get_by_text("Decisions were released to applicants on")).to_be_visible()
    axe(page)

    # Each applicant sees the outcome on their dashboard, and got the email.
    _sign_in_as(page, live_server, sam)
    _go_to_dashboard(page)
    page.get_by_role("link", name="Your applications").click()
    expect(page.get_by_text("Selected", exact=True)).to_be_visible()
    page.get_by_role("link", name="Ashmolean Test Museum: call for 2031").click()
    expect(
        page.get_by_text("You have been selected for a placement at British Museum.")
    ).to_be_visible()
    axe(page)
    _sign_in_as(page, live_server, pat)
    _go_to_dashboard(page)
    page.get_by_role("link", name="Your applications").click()
    expect(page.get_by_text("We had one place; please apply again next year.")).to_be_visible()
    axe(page)
    subjects = {(m.to[0], m.subject) for m in mail.outbox}
    assert (
        "sam@ashmolean.example",
        "Your application to the Ashmolean Test Museum call for 2031: selected",
    ) in subjects
    assert (
        "pat@ashmolean.example",
        "Your application to the Ashmolean Test Museum call for 2031: not selected",
    ) in subjects


def test_guidance_resend_hosting_and_a_withdrawal_that_offers_the_place_to_the_reserve(
    page, live_server, axe
):
    host = OrganisationFactory(name="British Museum", can_host=True)
    year = ProgrammeYearFactory(year=2031, host=host)
    home = OrganisationFactory(name="Ashmolean Test Museum", slug="ashmolean")
    PartnershipFactory(year=year, organisation=home, confirmed=True)
    call = open_call(year=year, organisation=home)
    sam = staff_of(home, user__full_name="Sam Sample", user__email="sam@ashmolean.example")
    reserve = staff_of(home, user__full_name="Rae Reserve", user__email="rae@ashmolean.example")
    home_coordinator = coordinator_of(home, user__full_name="Cora Coordinator")
    host_coordinator = coordinator_of(host, user__full_name="Priya Host")
    application = submitted(call=call, applicant=sam, line_manager_email="wrong@example.org")
    services.application_reserve(
        application=submitted(call=call, applicant=reserve), by=home_coordinator
    )
    services.application_select(
        application=application, by=home_coordinator, without_endorsement=True, destination=host
    )
    type(call).objects.filter(pk=call.pk).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    release(call, by=home_coordinator)

    # The coordinator rewrites the call's guidance; staff read it on the public page.
    _sign_in_as(page, live_server, home_coordinator)
    _go_to_dashboard(page)
    page.get_by_role("link", name="Your calls and applications").click()
    page.get_by_role("link", name="Edit the guidance for 2031").click()
    axe(page)
    page.get_by_label("Guidance for applicants").fill("Say which collection you want to see.")
    page.get_by_role("button", name="Save the guidance").click()
    expect(page.get_by_text("The call's guidance is saved.")).to_be_visible()
    page.goto(f"{live_server.url}{call.get_absolute_url()}")
    expect(page.get_by_text("Say which collection you want to see.")).to_be_visible()

    # The host's coordinator agrees to host the selected person.
    _sign_in_as(page, live_server, host_coordinator)
    _go_to_dashboard(page)
    page.get_by_role("link", name="People selected to come to you").click()
    axe(page)
    page.get_by_role("link", name="Sam Sample").click()
    axe(page)
    page.get_by_label("Agreed to host").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("the home coordinator has been told you agree to host")).to_be_visible()
    expect(page.get_by_role("cell", name="Agreed to host")).to_be_visible()

    # Sam corrects the line manager's address, then withdraws: Rae is offered the place.
    _sign_in_as(page, live_server, sam)
    _go_to_dashboard(page)
    page.get_by_role("link", name="Your applications").click()
    page.get_by_role("link", name="Ashmolean Test Museum: call for 2031").click()
    page.get_by_role("link", name="Send the endorsement request again").click()
    axe(page)
    page.get_by_label("Your line manager's email address").fill("lina@ashmolean.example")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("We have emailed lina@ashmolean.example a new link")).to_be_visible()
    page.get_by_role("link", name="Withdraw your application").click()
    axe(page)
    page.get_by_role("button", name="Withdraw my application").click()
    expect(page.get_by_text("Your application is withdrawn.")).to_be_visible()
    axe(page)

    # The old link now says why it no longer works.
    old = next(m for m in mail.outbox if m.to == ["wrong@example.org"])
    page.context.clear_cookies()
    page.goto(
        re.search(r"http\S+/endorse/\S+/", old.body)
        .group(0)
        .replace("http://127.0.0.1:8000", live_server.url)
    )
    expect(page.get_by_text("This link has been replaced by a newer one.")).to_be_visible()
    axe(page)

    _sign_in_as(page, live_server, reserve)
    _go_to_dashboard(page)
    page.get_by_role("link", name="Your applications").click()
    expect(page.get_by_text("Selected", exact=True)).to_be_visible()
    assert any(
        m.to == ["rae@ashmolean.example"] and "a place has come free" in m.body for m in mail.outbox
    )


def test_manager_opens_a_years_calls_sees_the_counts_and_exports_the_applications(
    page, live_server, axe
):
    manager = programme_manager(email="morgan@museum.example", full_name="Morgan Ellis")
    year = ProgrammeYearFactory(year=2031, host=OrganisationFactory(name="British Museum"))
    home = OrganisationFactory(name="Ashmolean Test Museum", slug="ashmolean")
    PartnershipFactory(year=year, organisation=home, confirmed=True)

    sign_in(page, live_server, manager.email, password=PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Calls", exact=True).click()
    page.get_by_role("link", name="Open calls for a whole year").click()
    axe(page)
    page.get_by_label("Programme year").select_option(label="2031")
    page.get_by_role("button", name="Open the calls").click()
    expect(
        page.get_by_text("Calls opened for 2031: British Museum, Ashmolean Test Museum.")
    ).to_be_visible()
    axe(page)

    # Staff apply (the call opens on the year's date, so it is opened now for them).
    call = home.calls.get()
    call.opens_at = timezone.now() - datetime.timedelta(days=1)
    call.closes_at = timezone.now() + datetime.timedelta(days=7)
    call.save()
    submitted(call=call, applicant=staff_of(home, user__full_name="Sam Sample"))

    page.goto(f"{live_server.url}/admin/partners/programmeyear/")
    page.get_by_role("link", name="Overview of 2031").click()
    calls = page.get_by_role("region", name="Calls and applications")
    expect(calls.get_by_role("row", name=re.compile("Ashmolean Test Museum"))).to_contain_text("1")
    axe(page)

    page.goto(f"{live_server.url}/admin/applications/application/")
    page.get_by_role("link", name="Export a year as CSV").click()
    axe(page)
    page.get_by_label("Programme year").select_option(label="2031")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the CSV file").click()
    content = download.value.path().read_text(encoding="utf-8")
    assert download.value.suggested_filename == "applications-2031.csv"
    assert "Sam Sample" in content and "Access requirements" not in content


def test_the_application_form_works_with_a_keyboard_alone(page, live_server, axe):
    year = ProgrammeYearFactory(year=2031, host=OrganisationFactory(name="British Museum"))
    home = OrganisationFactory(name="Ashmolean Test Museum", slug="ashmolean")
    PartnershipFactory(year=year, organisation=home, confirmed=True)
    call = open_call(year=year, organisation=home)
    sam = staff_of(home, user__full_name="Sam Sample")
    application = services.application_start(call=call, applicant=sam)
    _sign_in_as(page, live_server, sam)
    page.goto(f"{live_server.url}/applications/{application.pk}/edit/")

    def tab_to(name: str) -> None:
        for _press in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name") == name:
                return
        raise AssertionError(f"Tab never reached {name}")

    tab_to("job_title")
    page.keyboard.type("Registrar")
    tab_to("specialism")
    page.keyboard.press("ArrowDown")
    tab_to("access_requirements")
    page.keyboard.type("Large print, please.")
    tab_to("action")  # the first button, "Save draft"
    expect(page.get_by_role("button", name="Save draft")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Your draft is saved.")).to_be_visible()
    expect(field(page, "Job title (needed to submit)")).to_have_value("Registrar")
    expect(field(page, "Access requirements")).to_have_value("Large print, please.")
    axe(page)

    # Submitting before every answer is given: the page says so at the top, focused,
    # each problem a link to its field, and what was typed is kept.
    tab_to("action")
    page.keyboard.press("Tab")  # the second button, "Submit application"
    expect(page.get_by_role("button", name="Submit application")).to_be_focused()
    page.keyboard.press("Enter")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    first = summary.get_by_role("link").first
    page.keyboard.press("Tab")
    expect(first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(first.get_attribute("href"))).to_be_focused()
    expect(page.locator("label[for='id_department']")).to_be_in_viewport()
    expect(field(page, "Job title (needed to submit)")).to_have_value("Registrar")
    axe(page)
