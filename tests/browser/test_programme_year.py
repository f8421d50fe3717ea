"""A programme year from the invitation to a published testimonial, in the browser, by
role and label: each step is started from the email or the dashboard item that
announces it, and the clock moves on (time-machine) as the year does. The evaluation
report at the end shows the year."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import expect

from placements.services import daily_sweep
from tests.browser.conftest import field, sign_in
from tests.factories.partners import (
    PASSWORD,
    OrganisationFactory,
    ProgrammeYearFactory,
    coordinator_of,
    programme_manager,
    staff_of,
)

pytestmark = pytest.mark.django_db(transaction=True)

UK = zoneinfo.ZoneInfo("Europe/London")


def _at(day: datetime.date, hour: int = 12):
    """The clock at `day`, `hour` o'clock, moving on from there."""
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour), UK))


def _as(page, live_server, person) -> None:
    page.context.clear_cookies()
    sign_in(page, live_server, person.email, password=PASSWORD)


def _dashboard(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()


def _emailed_link(live_server, to: str | None, subject: str, path: str) -> str:
    """The link to `path` in the latest email to `to` (or anyone) whose subject holds
    `subject`."""
    message = [m for m in mail.outbox if to in (None, *m.to) and subject in m.subject][-1]
    link = re.search(rf"http\S+{path}\S*", message.body).group(0)
    return link.replace("http://127.0.0.1:8000", live_server.url)


def _rate(page, question: str, answer: str) -> None:
    page.get_by_role("group", name=re.compile(question)).get_by_label(answer).check()


def _choose(page, label: str, text: str) -> None:
    """An admin autocomplete: open it, search, pick."""
    box = page.get_by_role("combobox", name=re.compile(rf"^{label}"))
    box.and_(page.locator(".select2-selection")).click()  # not the select it stands for
    page.locator(".select2-container--open .select2-search__field").fill(text)
    page.get_by_role("option", name=text).click()


def test_a_programme_year_from_invitation_to_published_testimonial(page, live_server, axe):
    host = OrganisationFactory(
        name="British Museum", slug="bm", town="London", can_host=True, email_domains="bm.example"
    )
    storiel = OrganisationFactory(
        name="Storiel",
        slug="storiel",
        town="Bangor",
        nation="wales",
        email_domains="storiel.example",
    )
    year = ProgrammeYearFactory(year=2031, host=host)
    manager = programme_manager(full_name="Morgan Ellis", email="morgan@ke.example")
    priya = coordinator_of(host, user__full_name="Priya Shah", user__email="priya@bm.example")
    sid = staff_of(host, user__full_name="Sid Supervisor", user__email="sid@bm.example")
    gwen = coordinator_of(
        storiel, user__full_name="Gwen Pritchard", user__email="gwen@storiel.example"
    )
    elin = staff_of(storiel, user__full_name="Elin Hughes", user__email="elin@storiel.example")
    words = "A week in the Enlightenment Gallery changed how we write our labels."

    # The manager invites Storiel; Gwen answers from the emailed link; the manager
    # confirms from the dashboard.
    _as(page, live_server, manager)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Partnerships").first.click()
    page.get_by_role("link", name=re.compile("^Add partnership")).click()
    _choose(page, "Programme year", "2031")
    _choose(page, "Organisation", "Storiel")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("The invitation was emailed to Gwen Pritchard")).to_be_visible()
    axe(page)

    _as(page, live_server, gwen)
    page.goto(_emailed_link(live_server, gwen.email, "is invited", "/partnerships/"))
    page.get_by_label("Yes, we accept the invitation").check()
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_text("Thank you: you have accepted.")).to_be_visible()

    _as(page, live_server, manager)
    page.get_by_role("link", name="0 of 5 partners confirmed for 2031").click()
    page.get_by_label("Storiel (accepted)").check()
    page.get_by_role("button", name="Confirm the chosen invitations").click()
    expect(page.get_by_text("Partners confirmed: 1 of 5")).to_be_visible()

    # The manager opens the year's calls; on the day they open, Storiel's staff are told.
    page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name="Home").click()
    page.get_by_role("link", name="Calls", exact=True).click()
    page.get_by_role("link", name="Open calls for a whole year").click()
    page.get_by_label("Programme year").select_option(label="2031")
    page.get_by_role("button", name="Open the calls").click()
    expect(page.get_by_text(re.compile("Calls opened for 2031"))).to_be_visible()

    with _at(year.calls_open_on):
        daily_sweep()  # the scheduler's morning run
        _as(page, live_server, elin)
        page.goto(_emailed_link(live_server, elin.email, "call", "/calls/"))
        page.get_by_role("link", name="Start your application").click()
        page.get_by_role("button", name="Start a draft").click()
        field(page, "Job title (needed to submit)").fill("Visitor Experience Assistant")
        field(page, "Department (needed to submit)").fill("Visitor experience")
        field(page, "What you want to learn, and why (needed to submit)").fill(
            "How a national museum writes labels in two languages."
        )
        field(page, "Specialism (needed to submit)").select_option(index=1)
        field(page, "Career level (needed to submit)").select_option(label="Early career")
        field(page, "Line manager's name (needed to submit)").fill("Lowri Jones")
        field(page, "Line manager's email address (needed to submit)").fill("lowri@storiel.example")
        field(page, "First choice of destination (needed to submit)").select_option(
            label="British Museum"
        )
        field(page, "What you can share with the host (needed to submit)").fill("Welsh.")
        field(page, "Departments or areas you hope to spend time with (needed to submit)").fill(
            "Interpretation."
        )
        field(page, "Your availability (needed to submit)").fill("Early June.")
        page.get_by_label("I have read the privacy notice (needed to submit)").check()
        page.get_by_role("button", name="Submit application").click()
        expect(page.get_by_text("Your application is submitted.")).to_be_visible()

        # Her line manager endorses through the emailed link.
        page.context.clear_cookies()
        page.goto(_emailed_link(live_server, "lowri@storiel.example", "endorse", "/endorse/"))
        page.get_by_label("Yes, I endorse the time away for this placement").check()
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")

    # After the call closes, Gwen decides and releases the decisions, from her to-do list.
    with _at(year.calls_close_on + datetime.timedelta(days=2)):
        daily_sweep()
        assert any(m.to == [elin.email] and "decisions by" in m.subject for m in mail.outbox)
        _as(page, live_server, gwen)
        page.get_by_role("link", name=re.compile("applications? to decide")).first.click()
        page.get_by_role("link", name="Elin Hughes").click()
        page.get_by_role("radio", name="Selected", exact=True).check()
        page.get_by_label("Destination, if selected").select_option(label="British Museum")
        page.get_by_role("button", name="Record the decision").click()
        expect(page.get_by_text("Elin Hughes: selected, as a draft.")).to_be_visible()
        _dashboard(page)
        page.get_by_role("link", name=re.compile("^Release the decisions")).click()
        page.get_by_role("button", name=re.compile("^Release 1 decision")).click()
        expect(page.get_by_text("1 decision released")).to_be_visible()
        assert any(m.to == [elin.email] and "selected" in m.subject for m in mail.outbox)

        # Elin accepts her place from her to-do list.
        _as(page, live_server, elin)
        page.get_by_role("link", name="Accept or decline your place at British Museum").click()
        page.get_by_label("Yes, I accept the place").check()
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_text("You have accepted your place.")).to_be_visible()

        # Gwen proposes the placement; Priya approves it from her dashboard.
        _as(page, live_server, gwen)
        page.get_by_role("link", name=re.compile("to propose a placement")).first.click()
        page.get_by_role("link", name="Propose a placement for Elin Hughes").click()
        field(page, "Host supervisor").select_option(label="Sid Supervisor")
        field(page, "First day").fill("2031-06-02")
        page.get_by_role("button", name="Propose the placement").click()
        expect(page.get_by_text("You have approved this placement.")).to_be_visible()

        _as(page, live_server, priya)
        page.get_by_role("link", name=re.compile("to approve")).first.click()
        page.get_by_role("link", name="Elin Hughes").click()
        page.get_by_role("radio", name="Approve").check()
        page.get_by_role("button", name="Record the decision").click()
        expect(page.get_by_text(re.compile("the placement is confirmed"))).to_be_visible()

        # Elin accepts the dates, from her to-do list.
        _as(page, live_server, elin)
        page.get_by_role(
            "link", name="Accept the dates of your placement at British Museum"
        ).click()
        page.get_by_role("button", name="Accept these dates").click()
        expect(page.get_by_text("You have accepted the dates. Thank you.")).to_be_visible()
        expect(page.get_by_text(re.compile("Elin Hughes accepted these dates on"))).to_be_visible()

        # Sid plans the first morning; Elin answers her baseline survey.
        _as(page, live_server, sid)
        page.get_by_role("link", name=re.compile("^Plan Elin Hughes.s days")).click()
        field(page, "Day").select_option(index=1)
        field(page, "Starts").fill("10:00")
        field(page, "Activity").fill("Welcome and a tour of the galleries")
        page.get_by_role("button", name="Add to the plan").click()
        expect(page.get_by_text("The session is added to the plan.")).to_be_visible()

        _as(page, live_server, elin)
        page.get_by_role("link", name="Your evaluations").click()
        page.get_by_role("link", name=re.compile(r"^Start\W+Baseline survey")).click()
        for outcome in ("Knowledge-sharing", "Confidence", "Time for reflection", "Motivation"):
            _rate(page, outcome, "3: moderate")
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_text("Thank you: your answers are submitted.")).to_be_visible()

    # The placement ends; the morning run completes it and the evaluations open.
    with _at(datetime.date(2031, 6, 9)):
        daily_sweep()
        _as(page, live_server, elin)
        page.get_by_role("link", name="Your evaluations").click()
        page.get_by_role("link", name=re.compile(r"^Start\W+Post-exchange evaluation")).click()
        for outcome in ("Knowledge-sharing", "Confidence", "Time for reflection", "Motivation"):
            _rate(page, outcome, "4: high")
        for aim in ("Individual and organisational", "Relationships", "Insight", "Sustainable"):
            _rate(page, aim, "5: fully")
        page.get_by_label("Your reflections").fill("Labels in two languages, from day one.")
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_text("Thank you: your answers are submitted.")).to_be_visible()
        _dashboard(page)
        page.get_by_role("link", name="Your testimonials").click()
        page.get_by_role("link", name="Write about your placement at British Museum").click()
        page.get_by_label("Your words").fill(words)
        page.get_by_label(re.compile("I agree that the programme may publish")).check()
        page.get_by_role("button", name="Offer it for publication").click()
        expect(page.get_by_text("Waiting for the programme manager")).to_be_visible()

        _as(page, live_server, sid)
        page.get_by_role("link", name="Your evaluations").click()
        page.get_by_role("link", name=re.compile(r"^Start\W+Host supervisor's feedback")).click()
        for outcome in ("Knowledge-sharing", "Confidence", "Time for reflection", "Motivation"):
            _rate(page, outcome, "5: very high")
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_text("Thank you: your answers are submitted.")).to_be_visible()

        # The manager publishes the testimonial from the emailed link, and reads the report.
        _as(page, live_server, manager)
        # (emailed to the programme's address, which the manager reads)
        page.goto(_emailed_link(live_server, None, "to publish", "/admin/"))
        page.get_by_role("radio", name="Publish", exact=True).check()
        page.get_by_role("button", name="Record the decision").click()
        expect(page.get_by_text("Published: it is on the programme page now.")).to_be_visible()
        page.get_by_role("link", name="View site").click()
        _dashboard(page)
        page.get_by_role("link", name="Evaluation report").click()
        page.get_by_label("Year", exact=True).select_option("2031")
        page.get_by_role("button", name="Show").click()
        expect(page.get_by_role("heading", name="2031: all organisations")).to_be_visible()
        rates = page.get_by_role("table", name="Response rates: the figures")
        expect(
            rates.get_by_role("row", name=re.compile("Post-exchange evaluation"))
        ).to_contain_text("100%")
        axe(page)

        page.context.clear_cookies()
        page.goto(live_server.url)
        expect(page.get_by_role("region", name="What participants say")).to_contain_text(words)
        axe(page)
