"""The privacy notice, in the browser: the manager publishes a new version in the
admin; a member of staff who read the last one is shown it at sign-in, reads it and
goes on to their dashboard; anyone reads it from the footer."""

import datetime
import json
import re
import zipfile

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from applications import services as application_services
from applications.models import Application
from core import privacy
from core.models import PrivacyAcknowledgement
from evaluations import figures, selectors
from evaluations import services as evaluation_services
from evaluations.models import AIMS, OUTCOMES, Instrument
from partners.models import ProgrammeYear
from placements import services as placement_services
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
from tests.factories.placements import confirm, propose, release, select
from tests.tables import tables_mentioning

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_changed_notice_is_read_at_sign_in_then_the_dashboard(page, live_server, axe):
    manager = programme_manager(full_name="Morgan Manager")
    person = staff_of(OrganisationFactory(name="Ashmolean Test Museum"), user__full_name="Ana")
    privacy.notice_acknowledge(
        user=person,
        notice=privacy.current_notice(),
        occasion=PrivacyAcknowledgement.Occasion.APPLYING,
    )

    # Anyone reads it from the footer.
    page.goto(live_server.url)
    page.get_by_role("contentinfo").get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    expect(page.get_by_role("heading", name="Your rights")).to_be_visible()
    axe(page)

    # The manager publishes a new version, starting from the current text.
    sign_in(page, live_server, manager.email, password=PASSWORD)
    page.get_by_role("link", name="Open the administration").click()
    page.get_by_role("link", name="Privacy notice versions").click()
    axe(page)
    page.get_by_role("link", name="Add privacy notice").click()
    expect(field(page, "Notice:")).to_contain_text("Who is responsible for your information")
    field(page, "What changed:").fill("Receipts are kept for six years.")
    axe(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was added successfully")).to_be_visible()

    # Ana signs in: the changed notice comes first, then her dashboard.
    page.context.clear_cookies()
    sign_in(page, live_server, person.email, password=PASSWORD)
    expect(page.get_by_text("This notice has changed since you last read it")).to_be_visible()
    expect(page.get_by_text("Receipts are kept for six years.")).to_be_visible()
    axe(page)
    page.get_by_role("button", name="I have read the privacy notice").click()
    expect(page.get_by_text("Thank you for reading the privacy notice.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ana")
    assert PrivacyAcknowledgement.objects.filter(
        user=person, notice__version=2, occasion="sign_in"
    ).exists()


def test_a_person_downloads_everything_held_about_them(page, live_server, axe):
    person = staff_of(OrganisationFactory(name="Ashmolean Test Museum"), user__full_name="Ana")
    sign_in(page, live_server, person.email, password=PASSWORD)
    page.get_by_role("button", name="Your account").click()
    page.get_by_role("link", name="Your information").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your information")
    expect(page.get_by_text("Who read your access requirements")).to_be_visible()
    axe(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my information (.zip)").click()
    path = download.value.path()
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["account"]["records"][0]["full name"] == "Ana"


def _placed_and_evaluated_in_2030(home, host, person, coordinator, host_coordinator):
    """An earlier year in which the person was placed at the host and rated it."""
    year = ProgrammeYearFactory(year=2030, host=host)
    PartnershipFactory(year=year, organisation=home, confirmed=True)
    supervisor = staff_of(host, user__full_name="Sid Supervisor")
    with time_machine.travel(datetime.datetime(2030, 3, 1, 9, tzinfo=datetime.UTC)):
        application = submitted(call=open_call(year=year, organisation=home), applicant=person)
    with time_machine.travel(datetime.datetime(2030, 5, 1, 9, tzinfo=datetime.UTC)):
        placement = confirm(
            propose(
                select(application, by=coordinator, destination=host),
                by=coordinator,
                supervisor=supervisor,
                start_on=datetime.date(2030, 6, 3),
            ),
            home_coordinator=coordinator,
            host_coordinator=host_coordinator,
        )
    with time_machine.travel(datetime.datetime(2030, 6, 10, 9, tzinfo=datetime.UTC)):
        placement_services.placements_complete_finished()
        placement.refresh_from_db()
        evaluation_services.response_save(
            placement=placement,
            instrument=Instrument.POST_EXCHANGE,
            by=person,
            data={
                **dict.fromkeys(OUTCOMES, 4),
                **dict.fromkeys(AIMS, 5),
                "reflections": "Quillhaven's paper conservators taught me everything",
            },
            submit=True,
        )
    return year


def _responses_counted(year) -> tuple[int, int]:
    """What the year's report and the public findings count, counted afresh."""
    figures.refresh(ProgrammeYear.objects.filter(pk=year.pk), today=datetime.date(2031, 1, 1))
    year_report = selectors.report(year=year.year, organisation=None, min_group=1)
    return year_report.responses, selectors.count_public_findings().responses


def test_a_person_applies_exports_asks_to_close_and_the_manager_erases_them(page, live_server, axe):
    host = OrganisationFactory(name="British Museum")
    home = OrganisationFactory(name="Ashmolean Test Museum", slug="ashmolean")
    person = staff_of(
        home, user__full_name="Rhiannon Quillfeather", user__email="rhiannon@ashmolean.example"
    )
    coordinator = coordinator_of(home, user__full_name="Cora Coordinator")
    host_coordinator = coordinator_of(host, user__full_name="Hal Host")
    manager = programme_manager(full_name="Morgan Manager")
    earlier = _placed_and_evaluated_in_2030(home, host, person, coordinator, host_coordinator)
    counted = _responses_counted(earlier)
    assert counted == (1, 1)
    year = ProgrammeYearFactory(year=2031, host=host)
    PartnershipFactory(year=year, organisation=home, confirmed=True)
    call = open_call(year=year, organisation=home)

    # Rhiannon applies, and acknowledges the privacy notice as she submits.
    sign_in(page, live_server, person.email, password=PASSWORD)
    page.goto(f"{live_server.url}{reverse('applications:call_detail', args=[call.pk])}")
    page.get_by_role("link", name="Start your application").click()
    page.get_by_role("button", name="Start a draft").click()
    field(page, "Job title (needed to submit)").fill("Paper Conservator")
    field(page, "Department (needed to submit)").fill("Conservation")
    field(page, "What you want to learn, and why (needed to submit)").fill(
        "How the Quillhaven method mends torn maps."
    )
    field(page, "Specialism (needed to submit)").select_option(label="Curatorial and research")
    field(page, "Career level (needed to submit)").select_option(label="Early career")
    field(page, "Line manager's name (needed to submit)").fill("Lina Manager")
    field(page, "Line manager's email address (needed to submit)").fill("lina@ashmolean.example")
    field(page, "First choice of destination (needed to submit)").select_option(
        label="British Museum"
    )
    field(page, "What you can share with the host (needed to submit)").fill("Map rooms.")
    field(page, "Departments or areas you hope to spend time with (needed to submit)").fill(
        "Conservation."
    )
    field(page, "Your availability (needed to submit)").fill("Any week in October.")
    field(page, "Access requirements").fill("A quiet room for breaks, please.")
    page.get_by_label("I have read the privacy notice (needed to submit)").check()
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_text("Your application is submitted.")).to_be_visible()
    assert PrivacyAcknowledgement.objects.filter(user=person, occasion="applying").exists()

    # Her coordinator reads it (and her access requirements), and declines it.
    application = Application.objects.get(call=call, applicant=person)
    page.context.clear_cookies()
    sign_in(page, live_server, coordinator.email, password=PASSWORD)
    page.goto(
        f"{live_server.url}{reverse('applications:application_review', args=[application.pk])}"
    )
    expect(page.get_by_text("A quiet room for breaks, please.")).to_be_visible()
    application_services.application_decline(
        application=application, by=coordinator, reason="Another year, with more places."
    )
    release(call, by=coordinator)

    # She downloads her information: the application, its decision, who read what.
    page.context.clear_cookies()
    sign_in(page, live_server, person.email, password=PASSWORD)
    page.get_by_role("button", name="Your account").click()
    page.get_by_role("link", name="Your information").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my information (.zip)").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        data = json.loads(archive.read("data.json"))
    decided = next(
        row for row in data["applications"]["records"] if row["status"] == "Not selected"
    )
    assert decided["reason for the decision"] == "Another year, with more places."
    (read,) = data["sensitive_reads"]["records"]
    assert read["read by"] == "Cora Coordinator"

    # She asks to close her account: the box must be ticked first.
    page.get_by_role("link", name="Close your account and have your information erased").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close your account")
    axe(page)
    field(page, "Why are you closing your account? (optional)").fill("Moving to a library.")
    page.get_by_role("button", name="Ask to close my account").click()
    expect_problem(page, "Tick the box to confirm that you understand what closing means.")
    expect(field(page, "Why are you closing your account? (optional)")).to_have_value(
        "Moving to a library."
    )
    axe(page)
    page.get_by_label("I understand that my account will be closed").check()
    page.get_by_role("button", name="Ask to close my account").click()
    expect(page.get_by_text("Your request has been sent.")).to_be_visible()
    expect(page.get_by_role("button", name="Keep my account: withdraw my request")).to_be_visible()
    axe(page)

    # The manager reviews what erasure will do and erases.
    page.context.clear_cookies()
    sign_in(page, live_server, manager.email, password=PASSWORD)
    page.get_by_role("link", name="Open the administration").click()
    page.get_by_role("link", name="Account closures").click()
    axe(page)
    page.get_by_role("link", name=re.compile(r"^Account closure \d+$")).click()
    axe(page)
    page.get_by_role("link", name="Review and erase").click()
    plan = page.get_by_role("table", name="What erasure does, kind by kind")
    expect(plan).to_contain_text("Your evaluation answers: the words removed")
    axe(page)
    page.get_by_label("I have reviewed what will be done").check()
    page.get_by_role("button", name="Erase").click()
    expect(page.get_by_text("Erased. The person has been told.")).to_be_visible()
    axe(page)

    # The figures still count her ratings; no table holds her name, address or words.
    assert _responses_counted(earlier) == counted
    assert (
        tables_mentioning(
            [
                "Rhiannon",
                "rhiannon@ashmolean.example",
                "Quillhaven",
                "A quiet room for breaks",
                "Moving to a library",
            ]
        )
        == {}
    )
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{reverse('account_login')}")
    field(page, "Email").fill("rhiannon@ashmolean.example")
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
