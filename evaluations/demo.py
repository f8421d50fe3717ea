"""Demo evaluations: 2019's placements answered before, after and months later (with a
few people who never answered one, as in life), two published testimonials and one
waiting for the manager; and next year's baseline from Maya Collins.

2019 is history, written as the records it left (the services rightly refuse answers
that are no longer due); testimonials and next year's baseline go through the services.
Loading is idempotent: what exists is left alone.
"""

import datetime

from django.utils import timezone

from evaluations import services
from evaluations.models import AIMS, OUTCOMES, Instrument, Response, Testimonial
from partners.demo import MANAGER, programme_years
from partners.models import User
from placements.models import Placement

# Ratings as four digits: the outcomes (knowledge-sharing, confidence, reflection,
# motivation) and, after the placement and at the follow-up, the aims. None: never
# answered.
# participant: (baseline, post-exchange, its aims, host's feedback, follow-up, its aims)
RATINGS = {
    "Sam Okafor": ("2333", "4434", "4554", "4345", "4434", "4444"),
    "Owain Jones": (None, "4354", "4443", "4444", "4344", "4343"),
    "Hannah Price": ("3322", "4545", "5444", "5444", None, None),
    "Ruth Bell": ("2222", "4345", "4444", "4333", "3444", "4443"),
    "Callum Reid": ("3232", "5445", "5454", "4545", None, None),
    "Ben Carter": ("3223", "4455", "5443", "4444", "4345", "4433"),
    "Declan Murphy": ("2323", "4444", "5544", "4434", "4434", "5433"),
    "Tom Becker": ("2232", "3444", "4343", "3444", "3344", "4333"),
    "Grace Adeyemi": ("3333", "4445", "4534", None, "4445", "4534"),
}

REFLECTIONS = {
    "Sam Okafor": (
        "Seeing how a national collection in Scotland runs its prints store made me "
        "rethink our own retrieval times.",
        "A lunchtime talk for the department and a shared note on storage labelling.",
    ),
    "Ben Carter": (
        "Working bilingually every day changed how I write for our web pages.",
        "A guide to writing for two languages, now used by the digital team.",
    ),
    "Declan Murphy": (
        "Five days in the exhibitions workshop gave me time to step back and plan.",
        "A new checklist for installing loans, shared with two other museums in Belfast.",
    ),
}

TESTIMONIALS = [
    (
        "Ben Carter",
        Testimonial.Kind.QUOTE,
        "Five days at Amgueddfa Cymru gave me more ideas than a year of conferences, and "
        "colleagues I still call when I am stuck.",
        True,
    ),
    (
        "Declan Murphy",
        Testimonial.Kind.CASE_STUDY,
        "I went to the British Museum to learn how large exhibitions are installed. Each "
        "day I worked alongside a different team: conservation, mounts, lighting and the "
        "registrars. Back in Belfast we now plan our installations with a shared "
        "checklist, and two other museums have asked to use it.",
        True,
    ),
    (
        "Sam Okafor",
        Testimonial.Kind.QUOTE,
        "The exchange showed me that our problems are shared, and so are the answers.",
        False,
    ),
]


def _ratings(digits: str | None, names) -> dict[str, int]:
    if digits is None:
        return {}
    return dict(zip(names, (int(digit) for digit in digits), strict=True))


def _write(placement: Placement, instrument: str, values: dict, submitted_on: datetime.date):
    Response.objects.create(
        placement=placement,
        instrument=instrument,
        respondent=services.respondent(placement, instrument),
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.make_aware(
            datetime.datetime.combine(submitted_on, datetime.time(10))
        ),
        **values,
    )


def _history(created: dict) -> None:
    placements = Placement.objects.filter(
        year__year=2019, status=Placement.Status.COMPLETED
    ).select_related("participant", "supervisor")
    for placement in placements:
        name = placement.participant.full_name
        if name not in RATINGS or placement.evaluation_responses.exists():
            continue
        baseline, post, post_aims, host, follow_up, follow_up_aims = RATINGS[name]
        reflections, shared = REFLECTIONS.get(name, ("", ""))
        if baseline:
            # The baseline is answered while a placement is confirmed (the database
            # holds to that), so the record is written as it was then.
            Placement.objects.filter(pk=placement.pk).update(status=Placement.Status.CONFIRMED)
            _write(
                placement,
                Instrument.BASELINE,
                _ratings(baseline, OUTCOMES),
                placement.start_on - datetime.timedelta(days=7),
            )
            Placement.objects.filter(pk=placement.pk).update(status=Placement.Status.COMPLETED)
        later = placement.end_on + datetime.timedelta(days=3)
        _write(
            placement,
            Instrument.POST_EXCHANGE,
            {
                **_ratings(post, OUTCOMES),
                **_ratings(post_aims, AIMS),
                "reflections": reflections,
                "shared_at_home": shared,
            },
            later,
        )
        if host:
            _write(placement, Instrument.HOST_FEEDBACK, _ratings(host, OUTCOMES), later)
        if follow_up:
            _write(
                placement,
                Instrument.FOLLOW_UP,
                {**_ratings(follow_up, OUTCOMES), **_ratings(follow_up_aims, AIMS)},
                placement.end_on + datetime.timedelta(days=190),
            )
        created["evaluations"] += sum(
            1 for answered in (baseline, post, host, follow_up) if answered
        )


def _testimonials(created: dict) -> None:
    manager = User.objects.get(email=MANAGER[0])
    for name, kind, text, publish in TESTIMONIALS:
        placement = Placement.objects.filter(
            year__year=2019, participant__full_name=name, status=Placement.Status.COMPLETED
        ).first()
        if placement is None or placement.testimonials.exists():
            continue
        testimonial = services.testimonial_offer(
            placement=placement, by=placement.participant, kind=kind, text=text, consent=True
        )
        if publish:
            services.testimonial_decide(testimonial=testimonial, by=manager, publish=True)
        created["testimonials"] += 1


def _next_year(created: dict) -> None:
    """Maya Collins answers her baseline before her placement at Storiel."""
    placement = Placement.objects.filter(
        year__year=programme_years()[-1][0],
        participant__full_name="Maya Collins",
        status=Placement.Status.CONFIRMED,
    ).first()
    if placement is None or placement.evaluation_responses.exists():
        return
    services.response_save(
        placement=placement,
        instrument=Instrument.BASELINE,
        by=placement.participant,
        data=_ratings("3233", OUTCOMES),
        submit=True,
    )
    created["evaluations"] += 1


def load() -> dict[str, int]:
    created = {"evaluations": 0, "testimonials": 0}
    _history(created)
    _testimonials(created)
    _next_year(created)
    return created
