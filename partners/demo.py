"""Demo organisations, people and programme years. Every login is listed in the README.

Loading is idempotent: each record is looked up by its natural key and created
only when missing, so a second run changes nothing.
"""

import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from partners import services
from partners.models import (
    PROGRAMME_MANAGERS_GROUP,
    ClosureDay,
    Membership,
    Organisation,
    Partnership,
    ProgrammeYear,
    User,
)

DEMO_PASSWORD = "exchange-demo-2026"  # noqa: S105 (documented demo login)

Kind = Organisation.Kind
Nation = Organisation.Nation

HOST_SLUG = "british-museum"

ORGANISATIONS = [
    # slug, name, kind, nation, region, town, website, can_host
    (
        HOST_SLUG,
        "British Museum",
        Kind.MUSEUM,
        Nation.ENGLAND,
        "London",
        "London",
        "https://www.britishmuseum.org",
        True,
    ),
    (
        "national-museums-scotland",
        "National Museums Scotland",
        Kind.MUSEUM,
        Nation.SCOTLAND,
        "Lothian",
        "Edinburgh",
        "https://www.nms.ac.uk",
        True,
    ),
    (
        "amgueddfa-cymru",
        "Amgueddfa Cymru – Museum Wales",
        Kind.MUSEUM,
        Nation.WALES,
        "South Wales",
        "Cardiff",
        "https://museum.wales",
        True,
    ),
    (
        "national-museums-ni",
        "National Museums NI",
        Kind.MUSEUM,
        Nation.NORTHERN_IRELAND,
        "Belfast",
        "Belfast",
        "https://www.nmni.com",
        True,
    ),
    (
        "tullie-house",
        "Tullie House Museum and Art Gallery",
        Kind.MUSEUM,
        Nation.ENGLAND,
        "North West",
        "Carlisle",
        "https://www.tulliehouse.co.uk",
        False,
    ),
    (
        "the-hunterian",
        "The Hunterian",
        Kind.MUSEUM,
        Nation.SCOTLAND,
        "Glasgow",
        "Glasgow",
        "https://www.gla.ac.uk/hunterian",
        False,
    ),
    (
        "storiel",
        "Storiel",
        Kind.MUSEUM,
        Nation.WALES,
        "Gwynedd",
        "Bangor",
        "https://www.storiel.cymru",
        False,
    ),
    (
        "tower-museum",
        "Tower Museum",
        Kind.HERITAGE,
        Nation.NORTHERN_IRELAND,
        "Derry and Strabane",
        "Derry",
        "",
        False,
    ),
    (
        "whitworth",
        "The Whitworth",
        Kind.GALLERY,
        Nation.ENGLAND,
        "North West",
        "Manchester",
        "https://www.whitworth.manchester.ac.uk",
        False,
    ),
    (
        "leeds-museums",
        "Leeds Museums and Galleries",
        Kind.MUSEUM,
        Nation.ENGLAND,
        "Yorkshire",
        "Leeds",
        "https://museumsandgalleries.leeds.gov.uk",
        False,
    ),
]

# Demo addresses use the reserved .example domain: nothing is ever delivered.
MANAGER = ("manager@knowledge-exchange.example", "Morgan Ellis")

# slug -> (coordinator name, [(staff name, job title), ...])
PEOPLE = {
    HOST_SLUG: (
        "Priya Shah",
        [
            ("Sam Okafor", "Assistant Curator, Prints and Drawings"),
            ("Hannah Price", "Learning Officer"),
            ("Tom Becker", "Conservator, Organic Materials"),
            ("Grace Adeyemi", "Collections Manager, Asia"),
            ("Ben Carter", "Digital Content Producer"),
            ("Maya Collins", "Interpretation Officer"),
        ],
    ),
    "national-museums-scotland": ("Eilidh MacLeod", [("Callum Reid", "Collections Officer")]),
    "amgueddfa-cymru": ("Rhian Evans", [("Owain Jones", "Digital Producer")]),
    "national-museums-ni": ("Ciara Byrne", [("Declan Murphy", "Exhibitions Technician")]),
    "tullie-house": ("Joanne Armstrong", [("Ruth Bell", "Community Engagement Officer")]),
    "the-hunterian": ("Fraser Campbell", []),
    "storiel": ("Gwen Pritchard", [("Elin Hughes", "Visitor Experience Assistant")]),
    "tower-museum": ("Niamh Doherty", []),
    "whitworth": ("Aisha Rahman", [("Leo Marsh", "Archivist")]),
    "leeds-museums": ("Daniel Wood", []),
}


def email_for(name: str, slug: str) -> str:
    local = name.lower().replace(" ", ".").replace("'", "")
    return f"{local}@{slug}.example"


def _person(email: str, full_name: str, *, is_staff: bool = False) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "is_staff": is_staff}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, created


def load() -> dict[str, int]:
    """Create what is missing; return how many of each kind were created."""
    created = {"organisations": 0, "people": 0, "memberships": 0}
    organisations = {}
    for slug, name, kind, nation, region, town, website, can_host in ORGANISATIONS:
        organisation, was_created = Organisation.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "nation": nation,
                "region": region,
                "town": town,
                "website": website,
                "can_host": can_host,
                "email_domains": f"{slug}.example",
            },
        )
        organisations[slug] = organisation
        created["organisations"] += was_created

    manager, was_created = _person(*MANAGER, is_staff=True)
    created["people"] += was_created
    services.programme_managers_group_sync()
    manager.groups.add(Group.objects.get(name=PROGRAMME_MANAGERS_GROUP))

    for slug, (coordinator_name, staff) in PEOPLE.items():
        organisation = organisations[slug]
        people = [(coordinator_name, Membership.Role.COORDINATOR, "Knowledge Exchange coordinator")]
        people += [(name, Membership.Role.STAFF, title) for name, title in staff]
        for name, role, job_title in people:
            user, was_created = _person(email_for(name, slug), name)
            created["people"] += was_created
            _, was_created = Membership.objects.get_or_create(
                user=user,
                organisation=organisation,
                defaults={"role": role, "job_title": job_title},
            )
            created["memberships"] += was_created

    # The host closes over Christmas and on New Year's Day, bank holidays or not.
    created["closure days"] = 0
    for year_number in (programme_years()[-1][0] - 1, programme_years()[-1][0]):
        for day, reason in (
            (datetime.date(year_number, 1, 1), "New Year's Day"),
            (datetime.date(year_number, 12, 24), "Christmas Eve: closed to the public and staff"),
            (datetime.date(year_number, 12, 25), "Christmas Day"),
            (datetime.date(year_number, 12, 26), "Boxing Day"),
        ):
            _, was_created = ClosureDay.objects.get_or_create(
                organisation=organisations[HOST_SLUG], date=day, defaults={"reason": reason}
            )
            created["closure days"] += was_created

    created["programme years"] = 0
    created["partnerships"] = 0
    for year_number, confirmed, invited in programme_years():
        year, was_created = ProgrammeYear.objects.get_or_create(
            year=year_number,
            defaults={
                "host": organisations[HOST_SLUG],
                **year_dates(year_number),
                **(planning_dates() if year_number == programme_years()[-1][0] else {}),
            },
        )
        created["programme years"] += was_created
        for slug in confirmed + invited:
            if Partnership.objects.filter(year=year, organisation__slug=slug).exists():
                continue
            partnership = services.partnership_invite(
                year=year, organisation=organisations[slug], by=manager
            )
            if slug in confirmed:
                services.partnership_confirm(partnership=partnership, by=manager)
            created["partnerships"] += 1
    return created


def programme_years() -> list[tuple[int, list[str], list[str]]]:
    """(year, confirmed partners, invited partners): 2019 as the seed page has it, and
    next year being planned, with one place left and two invitations for it."""
    planning = timezone.localdate().year + 1
    return [
        (
            2019,
            [
                "national-museums-scotland",
                "amgueddfa-cymru",
                "national-museums-ni",
                "tullie-house",
                "the-hunterian",
            ],
            [],
        ),
        (
            planning,
            ["national-museums-scotland", "storiel", "tower-museum", "whitworth"],
            ["leeds-museums", "tullie-house"],
        ),
    ]


def calls_window() -> tuple[datetime.datetime, datetime.datetime]:
    """When the demo's first calls ran (the host's and National Museums Scotland's),
    whenever it is loaded: opened seven weeks ago, closed at 17:00 a week ago."""
    opens_at = timezone.now().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(
        weeks=7
    )
    return opens_at, _at_five(timezone.localdate() - datetime.timedelta(days=7))


def open_call_window() -> tuple[datetime.datetime, datetime.datetime]:
    """When the demo's open call runs (Storiel's): open for a week already, closing at
    17:00 in four weeks."""
    opens_at = timezone.now().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(
        days=7
    )
    return opens_at, _at_five(timezone.localdate() + datetime.timedelta(days=28))


def while_calls_open() -> datetime.datetime:
    """A moment, ten days before the first calls closed, when the demo's applicants
    applied and their line managers answered."""
    return calls_window()[1] - datetime.timedelta(days=10)


def after_calls_closed(days: int) -> datetime.datetime:
    """A working morning some days after the first calls closed: decisions and their
    release."""
    closed = timezone.localtime(calls_window()[1]).date()
    return timezone.make_aware(
        datetime.datetime.combine(closed + datetime.timedelta(days=days), datetime.time(10))
    )


def _at_five(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(17)))


def planning_dates() -> dict[str, datetime.date]:
    """The planning year's dates that match its calls: they opened on the day partners
    were due to be confirmed (two invitations are still unanswered, late) and close as the
    last call does, with decisions three weeks later."""
    opened = timezone.localtime(calls_window()[0]).date()
    closes = timezone.localtime(open_call_window()[1]).date()
    return {
        "partners_confirmed_by": opened,
        "calls_open_on": opened,
        "calls_close_on": closes,
        "decisions_by": closes + datetime.timedelta(days=21),
    }


def year_dates(year: int) -> dict[str, Any]:
    return {
        "budget": 30000,
        "partners_confirmed_by": datetime.date(year, 1, 31),
        "calls_open_on": datetime.date(year, 3, 2),
        "calls_close_on": datetime.date(year, 4, 17),
        "decisions_by": datetime.date(year, 5, 8),
        "placements_start_on": datetime.date(year, 6, 1),
        "placements_end_on": datetime.date(year, 12, 18),
        "evaluations_due_on": datetime.date(year + 1, 1, 29),
        "follow_up_on": datetime.date(year + 1, 6, 30),
    }
