"""Demo placements: nine completed in 2019 (five from the British Museum, four to it:
the Hunterian sent no one that year), each with its budget and one with expenses; and
next year one confirmed with a day plan and one proposed, waiting for the host's
approval.

Next year's go through the services, as people's actions would. 2019 is history: its
call, applications and placements are written as the records they left, because the
services refuse to apply to a closed call or to start a placement in the past.
Loading is idempotent: what exists is left alone.
"""

import datetime
from decimal import Decimal

import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from applications import demo as application_demo
from applications import services as application_services
from applications.demo import GENERAL_ANSWERS, LINE_MANAGERS
from applications.models import Application, ApplicationStatusChange, Call
from partners.demo import (
    HOST_SLUG,
    MANAGER,
    PEOPLE,
    after_calls_closed,
    email_for,
    programme_years,
    while_calls_open,
)
from partners.models import Organisation, ProgrammeYear, User
from placements import services
from placements.models import (
    BudgetLine,
    ExpenseClaim,
    Placement,
    PlacementDay,
    PlacementStatusChange,
)
from placements.working_days import is_working_day, working_days_from

PDF_RECEIPT = b"%PDF-1.4\n% A demo receipt\ntrailer << >>\n%%EOF\n"

# (participant, home slug, host slug, supervisor, first day)
HISTORY = [
    (
        "Sam Okafor",
        HOST_SLUG,
        "national-museums-scotland",
        "Callum Reid",
        datetime.date(2019, 6, 17),
    ),
    ("Owain Jones", "amgueddfa-cymru", HOST_SLUG, "Grace Adeyemi", datetime.date(2019, 6, 24)),
    ("Hannah Price", HOST_SLUG, "national-museums-ni", "Declan Murphy", datetime.date(2019, 7, 8)),
    ("Ruth Bell", "tullie-house", HOST_SLUG, "Sam Okafor", datetime.date(2019, 7, 15)),
    (
        "Callum Reid",
        "national-museums-scotland",
        HOST_SLUG,
        "Hannah Price",
        datetime.date(2019, 9, 2),
    ),
    ("Ben Carter", HOST_SLUG, "amgueddfa-cymru", "Owain Jones", datetime.date(2019, 9, 16)),
    ("Declan Murphy", "national-museums-ni", HOST_SLUG, "Tom Becker", datetime.date(2019, 10, 7)),
    ("Tom Becker", HOST_SLUG, "tullie-house", "Ruth Bell", datetime.date(2019, 10, 14)),
    ("Grace Adeyemi", HOST_SLUG, "the-hunterian", "Fraser Campbell", datetime.date(2019, 11, 4)),
]

# Each 2019 placement's budget: return travel between the two organisations' towns (what
# the programme booked), four nights and £25 a day.
TRAVEL = {
    "national-museums-scotland": ("Return rail, London to Edinburgh", "168.40"),
    "amgueddfa-cymru": ("Return rail, London to Cardiff", "142.60"),
    "national-museums-ni": ("Return flights, Belfast and London", "186.00"),
    "tullie-house": ("Return rail, London to Carlisle", "154.20"),
    "the-hunterian": ("Return rail, London to Glasgow", "171.80"),
}

# What the applications written here say, beyond GENERAL_ANSWERS.
ANSWERS = {
    "department": "Interpretation and Digital",
    "learning_goals": "How a partner tells its collections' stories to local and visiting "
    "audiences, and what we could borrow.",
}


def _person(name: str, slug: str) -> User:
    return User.objects.get(email=email_for(name, slug))


def _coordinator(slug: str) -> User:
    return _person(PEOPLE[slug][0], slug)


def _working_start(on_or_after: datetime.date, nation: str) -> datetime.date:
    day = on_or_after
    while not (day.weekday() == 0 and is_working_day(day, nation)):
        day += datetime.timedelta(days=1)
    return day


def _history(created: dict) -> None:
    """2019: a completed placement each way, the first with its budget and expenses."""
    year = ProgrammeYear.objects.get(year=2019)
    manager = User.objects.get(email=MANAGER[0])
    for name, home_slug, host_slug, supervisor_name, start in HISTORY:
        participant = _person(name, home_slug)
        if Placement.objects.filter(year=year, participant=participant).exists():
            continue
        home = Organisation.objects.get(slug=home_slug)
        host = Organisation.objects.get(slug=host_slug)
        call, _ = Call.objects.get_or_create(
            year=year,
            organisation=home,
            defaults={
                "opens_at": timezone.make_aware(datetime.datetime(2019, 3, 4, 9)),
                "closes_at": timezone.make_aware(datetime.datetime(2019, 4, 17, 17)),
                "places": sum(1 for entry in HISTORY if entry[1] == home_slug),
                "created_by": manager,
                "decisions_released_at": timezone.make_aware(datetime.datetime(2019, 5, 2, 10)),
                "decisions_released_by": manager,
            },
        )
        call.destinations.add(host)
        submitted_at = timezone.make_aware(datetime.datetime(2019, 4, 10, 11))
        decided_at = timezone.make_aware(datetime.datetime(2019, 5, 2, 10))
        application = Application.objects.create(
            call=call,
            applicant=participant,
            status=Application.Status.SELECTED,
            first_preference=host,
            destination=host,
            line_manager_name=LINE_MANAGERS[name],
            line_manager_email=email_for(LINE_MANAGERS[name], home_slug),
            submitted_at=submitted_at,
            decided_at=decided_at,
            job_title=participant.memberships.get(organisation=home).job_title,
            **GENERAL_ANSWERS,
            **ANSWERS,
        )
        home_coordinator, host_coordinator = _coordinator(home_slug), _coordinator(host_slug)
        for from_status, to_status, by, at in (
            ("", "submitted", participant, submitted_at),
            ("submitted", "selected", home_coordinator, decided_at),
        ):
            change = ApplicationStatusChange.objects.create(
                application=application, from_status=from_status, to_status=to_status, by=by
            )
            # `at` is set when a record is written; history keeps its own dates.
            ApplicationStatusChange.objects.filter(pk=change.pk).update(at=at)
        days = working_days_from(start, host.nation)
        approved_at = timezone.make_aware(datetime.datetime(2019, 6, 3, 10))
        placement = Placement.objects.create(
            application=application,
            year=year,
            participant=participant,
            home=home,
            host=host,
            supervisor=_person(supervisor_name, host_slug),
            start_on=days[0],
            end_on=days[-1],
            status=Placement.Status.COMPLETED,
            proposed_by=home_coordinator,
            proposed_at=approved_at,
            home_approved_by=home_coordinator,
            home_approved_at=approved_at,
            host_approved_by=host_coordinator,
            host_approved_at=approved_at,
        )
        PlacementDay.objects.bulk_create(
            PlacementDay(placement=placement, number=number, date=date)
            for number, date in enumerate(days, start=1)
        )
        completed_at = timezone.make_aware(
            datetime.datetime.combine(days[-1] + datetime.timedelta(days=1), datetime.time(6))
        )
        steps: list[tuple[str, str, str, User | None, datetime.datetime]] = [
            ("proposed", "", "proposed", home_coordinator, approved_at),
            ("approved_home", "proposed", "proposed", home_coordinator, approved_at),
            ("approved_host", "proposed", "proposed", host_coordinator, approved_at),
            ("confirmed", "proposed", "confirmed", host_coordinator, approved_at),
            ("completed", "confirmed", "completed", None, completed_at),
        ]
        for action, from_status, to, step_by, at in steps:
            record = PlacementStatusChange.objects.create(
                placement=placement,
                action=action,
                from_status=from_status,
                to_status=to,
                by=step_by,
            )
            PlacementStatusChange.objects.filter(pk=record.pk).update(at=at)
        created["placements"] += 1
        _budget(placement)
        if name == "Ben Carter":
            _expenses(placement, manager=manager, created=created)


def _budget(placement: Placement) -> None:
    partner = placement.home if placement.host.slug == HOST_SLUG else placement.host
    travel_note, travel = TRAVEL[partner.slug]
    for kind, amount, note in (
        ("travel", travel, travel_note),
        ("accommodation", "380.00", "Four nights"),
        ("subsistence", "125.00", "£25 a day"),
    ):
        BudgetLine.objects.create(placement=placement, kind=kind, amount=Decimal(amount), note=note)


def _expenses(placement: Placement, *, manager: User, created: dict) -> None:
    for description, amount, spent_on, approve in (
        ("Lunch and dinner, day one", "23.80", placement.start_on, True),
        ("Exhibition catalogue for the team", "18.00", placement.end_on, False),
    ):
        claim = services.expense_claim_submit(
            placement=placement,
            by=placement.participant,
            data={
                "kind": ExpenseClaim.Kind.SUBSISTENCE if approve else ExpenseClaim.Kind.OTHER,
                "description": description,
                "spent_on": spent_on,
                "amount": Decimal(amount),
            },
            receipt=ContentFile(PDF_RECEIPT, name="receipt.pdf"),
        )
        if approve:
            services.expense_claim_approve(claim=claim, by=manager)
        created["expense claims"] += 1


def _next_year(created: dict) -> None:
    """Next year: Maya Collins (British Museum) confirmed at Storiel with a plan begun;
    Callum Reid (National Museums Scotland) proposed at the British Museum, approved by
    his own coordinator and waiting for the British Museum's."""
    year = ProgrammeYear.objects.get(year=programme_years()[-1][0])
    for name, home_slug, host_slug, supervisor_name, month_day in (
        ("Maya Collins", HOST_SLUG, "storiel", "Elin Hughes", (6, 7)),
        ("Callum Reid", "national-museums-scotland", HOST_SLUG, "Hannah Price", (9, 13)),
    ):
        participant = _person(name, home_slug)
        if Placement.objects.filter(year=year, participant=participant).exists():
            continue
        call = Call.objects.get(year=year, organisation__slug=home_slug)
        host = Organisation.objects.get(slug=host_slug)
        home_coordinator, host_coordinator = _coordinator(home_slug), _coordinator(host_slug)
        application = Application.objects.filter(call=call, applicant=participant).first()
        if application is None:
            with time_machine.travel(while_calls_open(), tick=False):
                application = application_demo.apply(participant, call, host, ANSWERS)
        if application.status != Application.Status.SELECTED:
            with time_machine.travel(after_calls_closed(1), tick=False):
                application = application_services.application_select(
                    application=application, by=home_coordinator, destination=host
                )
        application_demo.release(call)
        application.refresh_from_db()
        if not application.place_answer:
            with time_machine.travel(after_calls_closed(1), tick=False):
                application = application_services.place_accept(
                    application=application, by=participant
                )
        start = _working_start(datetime.date(year.year, *month_day), host.nation)
        placement = services.placement_propose(
            application=application,
            by=home_coordinator,
            supervisor=_person(supervisor_name, host_slug),
            start_on=start,
        )
        created["placements"] += 1
        if name == "Maya Collins":
            placement = services.placement_approve(placement=placement, by=host_coordinator)
            _plan(placement)


def _plan(placement: Placement) -> None:
    supervisor = placement.supervisor
    days = {day.number: day for day in placement.days.all()}
    for number, starts, ends, activity, department, contact in (
        (1, (9, 30), (10, 30), "Welcome, tour and safety briefing", "Visitor Experience", ""),
        (
            1,
            (11, 0),
            (12, 30),
            "How Storiel welcomes visitors in Welsh and English",
            "Visitor Experience",
            "Elin Hughes",
        ),
        (2, (10, 0), (12, 0), "Interpreting the Gwynedd collections", "Collections", "Curator"),
        (3, (14, 0), (16, 0), "Planning a family trail together", "Learning", "Learning officer"),
    ):
        services.plan_session_add(
            placement=placement,
            by=supervisor,
            day=days[number],
            data={
                "starts_at": datetime.time(*starts),
                "ends_at": datetime.time(*ends),
                "activity": activity,
                "department": department,
                "contact": contact,
            },
        )


def load() -> dict[str, int]:
    created = {"placements": 0, "expense claims": 0}
    _history(created)
    _next_year(created)
    return created
