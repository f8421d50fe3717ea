"""Reading for a call's panel, in the browser: a reader finds the applications given to
them on the dashboard, declares a conflict with one applicant (which goes to another
reader) and none with the other, and scores it in the anonymised first pass, told by
a focused error summary what is missing."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
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
    programme_manager,
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


def _as(page, live_server, person) -> None:
    page.context.clear_cookies()
    sign_in(page, live_server, person.email, password=PASSWORD)


def test_selection_from_the_managers_rubric_to_a_reserve_accepting_the_place(
    page, live_server, axe, settings
):
    """The manager sets the default rubric; the coordinator gives each application two
    readers; one reader declares a conflict and is replaced; readers score without
    names; the coordinator moderates, decides and releases; the person selected
    declines, and the first reserve is offered the place and accepts it."""
    settings.REMINDERS_ENABLED = True
    host = OrganisationFactory(name="British Museum", can_host=True)
    year = ProgrammeYearFactory(year=2031, host=host)
    home = OrganisationFactory(name="Ashmolean Test Museum", slug="ashmolean")
    PartnershipFactory(year=year, organisation=home, confirmed=True)
    call = open_call(year=year, organisation=home)
    manager = programme_manager(full_name="Morgan Manager")
    coordinator = coordinator_of(home, user__full_name="Cora Coordinator")
    readers = [
        staff_of(home, user__full_name="Rhys Reader"),
        staff_of(home, user__full_name="Sol Spare"),
        coordinator_of(host, user__full_name="Priya Host"),
    ]
    for reader in readers:
        organisation = host if reader.full_name == "Priya Host" else home
        services.reader_add(call=call, user=reader, organisation=organisation, by=coordinator)
    oli, pat, tia = (
        submitted(call=call, applicant=staff_of(home, user__full_name=name))
        for name in ("Oli Other", "Pat Patient", "Tia Teammate")
    )

    # The manager weights fit with the destination more, in the default rubric.
    _as(page, live_server, manager)
    page.get_by_role("link", name="Open the administration").click()
    page.get_by_role("link", name="Rubrics").click()
    axe(page)
    page.get_by_role("link", name="The programme's default rubric").click()
    page.get_by_label("Weight").nth(3).fill("3")
    axe(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()

    # The coordinator gives each application two readers.
    _as(page, live_server, coordinator)
    page.get_by_role("link", name="Your calls and applications").click()
    page.get_by_role("link", name="Ashmolean Test Museum, 2031").click()
    page.get_by_role("link", name="Readers and who reads what").click()
    expect(page.get_by_text("Fit with what the destination can offer (weight 3)")).to_be_visible()
    page.get_by_role("button", name="Give each application 2 readers").click()
    expect(page.get_by_text("6 applications given to readers.")).to_be_visible()
    axe(page)

    # A reader of Tia's application works in her team: it goes to the third reader.
    first = Assignment.objects.filter(application=tia).order_by("pk").first().reader
    _as(page, live_server, first)
    page.get_by_role("link", name=re.compile("applications? to read")).click()
    page.get_by_role("link", name=f"Application {tia.pk}").click()
    page.get_by_role("radio", name="We work in the same team").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Thank you. The application goes to another reader.")).to_be_visible()
    axe(page)
    assert Assignment.objects.filter(application=tia, state="assigned").count() == 2
    assert not Assignment.objects.filter(application=tia, reader=first, state="assigned").exists()

    # They score Oli's application, if theirs, in the browser, without his name.
    rubric = services.call_rubric(call=call)
    mine = Assignment.objects.filter(reader=first, state="assigned").order_by("pk").first()
    page.get_by_role("link", name=f"Application {mine.application_id}").click()
    page.get_by_role("radio", name="No conflict").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text(mine.application.applicant.full_name)).to_have_count(0)
    for criterion in rubric.criteria.all():
        group = page.get_by_role("group", name=re.compile(re.escape(criterion.title)))
        group.get_by_role("radio", name=re.compile(r"^4: ")).check()
    page.get_by_role("button", name="Submit my scores").click()
    expect(page.get_by_text("Your scores are submitted. Thank you.")).to_be_visible()
    axe(page)
    # The other readings are scored by their readers (as above): Oli highest.
    values = {oli.pk: 4, pat.pk: 3, tia.pk: 2}
    for assignment in Assignment.objects.filter(state="assigned", submitted_at__isnull=True):
        if not assignment.is_declared:
            services.conflict_declare(assignment=assignment, by=assignment.reader, conflict="none")
        services.scores_save(
            assignment=assignment,
            by=assignment.reader,
            scores={c.pk: (values[assignment.application_id], "") for c in rubric.criteria.all()},
            submit=True,
        )

    # The coordinator ranks, moderates Pat's, decides and releases.
    _as(page, live_server, coordinator)
    page.get_by_role("link", name="Your calls and applications").click()
    page.get_by_role("link", name="Ashmolean Test Museum, 2031").click()
    field(page, "Sort by").select_option(label="Highest score first")
    page.get_by_role("button", name="Show").click()
    rows = page.get_by_role("row")
    expect(rows.nth(1)).to_contain_text("Oli Other")
    axe(page)
    page.get_by_role("link", name="Pat Patient").click()
    page.get_by_role("link", name="Moderate the score").click()
    field(page, "Moderated score").fill("3.5")
    field(page, "Why you are adjusting it").fill("Strong loans plan the readers missed")
    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.get_by_text("Moderated to")).to_be_visible()
    page.get_by_role("radio", name="On the reserve list").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Pat Patient: on the reserve list, as a draft.")).to_be_visible()
    for name, decision in (("Oli Other", "Selected"), ("Tia Teammate", "Not selected")):
        page.get_by_role("link", name=name).click()
        page.get_by_role("radio", name=decision, exact=True).check()
        if decision == "Selected":
            page.get_by_label("Destination, if selected").select_option(label="British Museum")
            page.get_by_label("Select without an endorsement from the line manager").check()
        else:
            field(page, "Reason, if not selected").fill("Others fitted the destination better.")
        page.get_by_role("button", name="Record the decision").click()
        expect(page.get_by_text(re.compile(f"^{name}: .*as a draft"))).to_be_visible()
    axe(page)

    with time_machine.travel(call.closes_at + datetime.timedelta(hours=1)):
        _as(page, live_server, coordinator)
        page.get_by_role("link", name=re.compile("^Release the decisions")).click()
        axe(page)
        page.get_by_role("button", name=re.compile("^Release 3 decisions")).click()
        expect(page.get_by_text("3 decisions released")).to_be_visible()

        # Oli declines his place: it goes to Pat, first on the reserve list.
        _as(page, live_server, oli.applicant)
        page.get_by_role("link", name="Accept or decline your place at British Museum").click()
        page.get_by_role("button", name="Send my answer").click()
        expect_problem(page, "Choose whether you accept or decline the place.")
        axe(page)
        page.get_by_label("No, I decline the place").check()
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_text("You have declined your place.")).to_be_visible()
        axe(page)
        offer = [m for m in mail.outbox if m.to == [pat.applicant.email]][-1]
        assert "a place has come free" in offer.body

        _as(page, live_server, pat.applicant)
        page.get_by_role("link", name="Accept or decline your place at British Museum").click()
        page.get_by_label("Yes, I accept the place").check()
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_text("You have accepted your place.")).to_be_visible()
        expect(page.get_by_text("You accepted the place on")).to_be_visible()
        axe(page)

        # The coordinator reads how selection went.
        _as(page, live_server, coordinator)
        page.get_by_role("link", name="Your calls and applications").click()
        page.get_by_role("link", name="How selection went").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("How selection went")
        axe(page)
    pat.refresh_from_db()
    assert (pat.status, pat.place_answer) == ("selected", "accepted")
