"""Demo organisations and people. Every login below is listed in the README.

Loading is idempotent: each record is looked up by its natural key and created
only when missing, so a second run changes nothing.
"""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from partners.models import PROGRAMME_MANAGERS_GROUP, Membership, Organisation, User
from partners.services import programme_managers_group_sync

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
    programme_managers_group_sync()
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
    return created
