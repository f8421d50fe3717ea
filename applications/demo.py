"""Demo calls and applications: the planning year's host call closed a week ago, with
a draft never submitted, a submitted, a shortlisted and a declined application, its
decisions released; National Museums Scotland's call closed with it; Storiel's call is
open now.

Everything goes through the services, as a person's actions would, at the moment it
happened (time-machine moves the clock while the demo is written). Loading is
idempotent: a call or application that exists is left alone.
"""

import time_machine

from applications import services
from applications.models import Application, Call
from partners.demo import (
    HOST_SLUG,
    MANAGER,
    after_calls_closed,
    calls_window,
    email_for,
    open_call_window,
    programme_years,
    while_calls_open,
)
from partners.models import Organisation, ProgrammeYear, User
from partners.selectors import organisation_coordinators

PARTNER_CALL_SLUG = "national-museums-scotland"

# (applicant name, home slug, what happens (draft, submitted, endorsed, shortlisted,
# declined), first choice slug, answers)
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
        "endorsed",
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


OPEN_CALL_SLUG = "storiel"


def load() -> dict[str, int]:
    created = {"calls": 0, "applications": 0}
    year = ProgrammeYear.objects.get(year=programme_years()[-1][0])
    manager = User.objects.get(email=MANAGER[0])
    calls = {}
    for slug, (opens_at, closes_at) in (
        (HOST_SLUG, calls_window()),
        (PARTNER_CALL_SLUG, calls_window()),
        (OPEN_CALL_SLUG, open_call_window()),
    ):
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
        with time_machine.travel(while_calls_open(), tick=False):
            _apply(
                applicant,
                call,
                outcome,
                Organisation.objects.get(slug=choice),
                answers,
                coordinator=coordinators[slug],
            )
        created["applications"] += 1
    return created


def apply(applicant: User, call: Call, first_choice: Organisation, answers: dict) -> Application:
    """An application written, submitted and endorsed, as its applicant and their line
    manager would (the clock is the caller's)."""
    application = services.application_start(call=call, applicant=applicant)
    data = _answers(applicant.full_name, call.organisation.slug, first_choice, answers)
    services.application_save_draft(application=application, by=applicant, data=data)
    application = services.application_submit(application=application, by=applicant)
    services.endorsement_give(
        token=application.endorsement_request.token,
        endorsed=True,
        comment="A good opportunity, and the team can cover the week.",
    )
    return application


def _apply(
    applicant: User,
    call: Call,
    outcome: str,
    first_choice: Organisation,
    answers: dict,
    *,
    coordinator: User,
) -> None:
    if outcome == "draft":
        application = services.application_start(call=call, applicant=applicant)
        data = _answers(applicant.full_name, call.organisation.slug, first_choice, answers)
        data = {key: data[key] for key in ("department", "learning_goals", "first_preference")}
        services.application_save_draft(application=application, by=applicant, data=data)
        return
    if outcome == "submitted":
        application = services.application_start(call=call, applicant=applicant)
        data = _answers(applicant.full_name, call.organisation.slug, first_choice, answers)
        services.application_save_draft(application=application, by=applicant, data=data)
        services.application_submit(application=application, by=applicant)
        return
    application = apply(applicant, call, first_choice, answers)
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


def release(call: Call) -> None:
    """The call's decisions released by its coordinator, two days after it closed; each
    person selected accepts their place that day."""
    call.refresh_from_db()
    if call.decisions_released:
        return
    coordinator = organisation_coordinators(organisation_id=call.organisation_id)[0]
    with time_machine.travel(after_calls_closed(2), tick=False):
        for application in services.call_release_decisions(call=call, by=coordinator):
            if application.status == Application.Status.SELECTED:
                services.place_accept(application=application, by=application.applicant)
