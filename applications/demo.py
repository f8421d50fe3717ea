"""Demo calls and applications: the planning year's host call is open now, with a
draft, a submitted, a shortlisted and a declined application, and one partner's call.

Everything goes through the services, as a person's actions would. Loading is
idempotent: a call or application that exists is left alone.
"""

from applications import services
from applications.models import Application, Call
from partners.demo import HOST_SLUG, MANAGER, calls_window, email_for, programme_years
from partners.models import Organisation, ProgrammeYear, User

PARTNER_CALL_SLUG = "national-museums-scotland"

# (applicant name, home slug, what happens, first choice slug, answers)
APPLICATIONS = [
    (
        "Sam Okafor",
        HOST_SLUG,
        "draft",
        "national-museums-scotland",
        {
            "department": "Prints and Drawings",
            "learning_goals": "How a national collection in Scotland shares prints with "
            "regional venues.",
        },
    ),
    (
        "Hannah Price",
        HOST_SLUG,
        "submitted",
        "storiel",
        {
            "department": "Learning and National Partnerships",
            "learning_goals": "Bilingual learning programmes for families, and how a small "
            "team plans them.",
        },
    ),
    (
        "Tom Becker",
        HOST_SLUG,
        "shortlisted",
        "whitworth",
        {
            "department": "Collections Care",
            "learning_goals": "Textile conservation in a university gallery, and how students "
            "take part in it.",
        },
    ),
    (
        "Grace Adeyemi",
        HOST_SLUG,
        "declined",
        "tower-museum",
        {
            "department": "Asia",
            "learning_goals": "Community co-curation of displays about local history.",
        },
    ),
    (
        "Callum Reid",
        PARTNER_CALL_SLUG,
        "submitted",
        HOST_SLUG,
        {
            "department": "Collections Services",
            "learning_goals": "Collections information standards at scale, and how the "
            "British Museum plans loans across the UK.",
        },
    ),
]


# Each applicant's line manager (made-up people at the same organisation).
LINE_MANAGERS = {
    "Ben Carter": "Helen Marsh",
    "Maya Collins": "Daniel Osei",
    "Declan Murphy": "Siobhan Kelly",
    "Sam Okafor": "Helen Marsh",
    "Hannah Price": "Daniel Osei",
    "Tom Becker": "Marta Kowalski",
    "Grace Adeyemi": "Richard Lam",
    "Callum Reid": "Morag Stewart",
    "Owain Jones": "Carys Davies",
    "Ruth Bell": "Peter Graham",
}


# What every demo application says, unless it says otherwise.
GENERAL_ANSWERS = {
    "specialism": Application.Specialism.COLLECTIONS,
    "career_level": Application.CareerLevel.MID,
    "can_share": "Ten years of experience in my field, and a keen interest in "
    "working across organisations.",
    "departments_of_interest": "Collections, learning, and the team who run loans.",
    "availability": "Any week in September or October.",
}


def _answers(name: str, slug: str, first_choice: Organisation, answers: dict) -> dict:
    line_manager = LINE_MANAGERS[name]
    return {
        **GENERAL_ANSWERS,
        "line_manager_name": line_manager,
        "line_manager_email": email_for(line_manager, slug),
        "first_preference": first_choice,
        **answers,
    }


def load() -> dict[str, int]:
    created = {"calls": 0, "applications": 0}
    year = ProgrammeYear.objects.get(year=programme_years()[-1][0])
    manager = User.objects.get(email=MANAGER[0])
    # Open for a while already, closing in four weeks, as the year's dates say.
    opens_at, closes_at = calls_window()
    calls = {}
    for slug in (HOST_SLUG, PARTNER_CALL_SLUG):
        organisation = Organisation.objects.get(slug=slug)
        call = Call.objects.filter(year=year, organisation=organisation).first()
        if call is None:
            call = services.call_create(
                year=year,
                organisation=organisation,
                by=manager,
                opens_at=opens_at,
                closes_at=closes_at,
                guidance="Tell us what you want to learn and why it matters to your work. "
                "Talk to your line manager before you apply.",
            )
            created["calls"] += 1
        calls[slug] = call

    coordinators = {
        slug: User.objects.get(email=email_for(name, slug))
        for slug, name in ((HOST_SLUG, "Priya Shah"), (PARTNER_CALL_SLUG, "Eilidh MacLeod"))
    }
    for name, slug, outcome, choice, answers in APPLICATIONS:
        applicant = User.objects.get(email=email_for(name, slug))
        call = calls[slug]
        if Application.objects.filter(call=call, applicant=applicant).exists():
            continue
        application = services.application_start(call=call, applicant=applicant)
        data = _answers(name, slug, Organisation.objects.get(slug=choice), answers)
        if outcome == "draft":
            data = {key: data[key] for key in ("department", "learning_goals", "first_preference")}
        services.application_save_draft(application=application, by=applicant, data=data)
        created["applications"] += 1
        if outcome == "draft":
            continue
        application = services.application_submit(application=application, by=applicant)
        if outcome == "submitted":
            continue
        services.endorsement_give(
            token=application.endorsement_request.token,
            endorsed=True,
            comment="A good opportunity, and the team can cover the week.",
        )
        coordinator = coordinators[slug]
        if outcome == "shortlisted":
            services.application_shortlist(application=application, by=coordinator)
        elif outcome == "declined":
            services.application_decline(
                application=application,
                by=coordinator,
                reason="We had many strong applications for few places. Your goals would fit "
                "a placement at a museum with a community curation programme: please apply "
                "again next year.",
            )
    return created
