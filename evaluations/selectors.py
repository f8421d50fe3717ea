"""Reads of evaluations, with the query shape each page needs.

Every fetch of one object for a person is guarded: someone else's record is a 404.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, FilteredRelation, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from evaluations.models import (
    AIMS,
    ASKS_AIMS,
    OUTCOMES,
    Instrument,
    Response,
    Testimonial,
    follow_up_due_by,
)
from evaluations.reports import Report, build_report
from evaluations.statistics import LATER, SCALE, Inputs, Reached, YearInputs
from partners.models import Organisation, ProgrammeYear, User
from partners.permissions import managed_or_coordinated_by
from placements.models import Placement
from placements.permissions import taken_part_in
from placements.selectors import MONEY, ZERO, approved_total, budget_total


def placements_to_evaluate(*, user: User) -> QuerySet[Placement]:
    """Confirmed and completed placements the person takes part in or supervises, with
    their responses, latest first."""
    return (
        Placement.objects.filter(
            taken_part_in(user),
            status__in=[Placement.Status.CONFIRMED, Placement.Status.COMPLETED],
        )
        .select_related("participant", "supervisor", "host", "home")
        .prefetch_related(
            Prefetch("evaluation_responses", queryset=Response.objects.order_by("instrument"))
        )
        .order_by("-start_on", "pk")
    )


def placement_to_evaluate(*, user: User, pk: int) -> Placement:
    """A placement the person takes part in or supervises (any status: the page says why
    an evaluation is not open), or 404."""
    try:
        return (
            Placement.objects.filter(taken_part_in(user))
            .select_related("participant", "supervisor", "host", "home")
            .get(pk=pk)
        )
    except Placement.DoesNotExist:
        raise Http404("No such placement") from None


def response_to(*, placement: Placement, instrument: str) -> Response | None:
    return Response.objects.filter(placement=placement, instrument=instrument).first()


def testimonials_of(*, user: User) -> QuerySet[Testimonial]:
    return Testimonial.objects.filter(author=user).select_related("placement__host")


def testimonial_of(*, user: User, pk: int) -> Testimonial:
    try:
        return testimonials_of(user=user).get(pk=pk)
    except Testimonial.DoesNotExist:
        raise Http404("No such testimonial") from None


def completed_placements_of(*, user: User) -> QuerySet[Placement]:
    return Placement.objects.filter(
        participant=user, status=Placement.Status.COMPLETED
    ).select_related("host")


def completed_placement_of(*, user: User, pk: int) -> Placement:
    """A completed placement the person took part in, or 404."""
    try:
        return completed_placements_of(user=user).get(pk=pk)
    except Placement.DoesNotExist:
        raise Http404("No such placement") from None


def published_testimonials(*, limit: int = 6) -> list[Testimonial]:
    """The latest published testimonials, with their authors' organisations."""
    return list(
        Testimonial.objects.filter(status=Testimonial.Status.PUBLISHED)
        .select_related("author", "placement__home", "placement__host", "placement__application")
        .order_by("-decided_at", "-pk")[:limit]
    )


# --- Reports ---------------------------------------------------------------------------


def report_organisations(*, user: User) -> QuerySet[Organisation]:
    """The organisations whose figures the person may read: every one for the programme
    manager; for a coordinator, those they coordinate; for anyone else, none."""
    return Organisation.objects.filter(managed_or_coordinated_by(user, path="")).order_by("name")


def report_years() -> list[int]:
    return list(ProgrammeYear.objects.order_by("-year").values_list("year", flat=True))


def report(
    *,
    year: int | None,
    organisation: Organisation | None,
    min_group: int,
    today: datetime.date | None = None,
) -> Report:
    """The report on one year (or all, when None) for one organisation's placements,
    coming and going (or all, when None): four queries that count and sum in the
    database, however many years and responses."""
    placements = Placement.objects.filter(
        status__in=[Placement.Status.CONFIRMED, Placement.Status.COMPLETED]
    )
    if year is not None:
        placements = placements.filter(year__year=year)
    if organisation is not None:
        placements = placements.filter(Q(home=organisation) | Q(host=organisation))
    inputs = report_inputs(placements, today=today or timezone.localdate())
    return build_report(inputs, min_group=min_group)


def report_inputs(placements: QuerySet[Placement], *, today: datetime.date) -> Inputs:
    """What the report's figures are computed from, counted and summed by the database."""
    completed = Q(status=Placement.Status.COMPLETED)
    follow_up_due = completed & Q(end_on__lte=follow_up_due_by(today))
    reached = _reached(placements, completed, follow_up_due)
    asked = {
        Instrument.BASELINE: sum(row["sent"] for row in reached),
        Instrument.POST_EXCHANGE: sum(row["completed"] for row in reached),
        Instrument.HOST_FEEDBACK: sum(row["completed"] for row in reached),
        Instrument.FOLLOW_UP: sum(row["due"] for row in reached),
    }
    asked_for = {
        Instrument.BASELINE: Q(),
        Instrument.POST_EXCHANGE: _on_placement(completed),
        Instrument.HOST_FEEDBACK: _on_placement(completed),
        Instrument.FOLLOW_UP: _on_placement(follow_up_due),
    }
    submitted = Response.objects.filter(
        status=Response.Status.SUBMITTED, placement__in=placements.values("pk")
    ).order_by()
    questions = [
        (instrument, name)
        for instrument in Instrument
        for name in [*OUTCOMES, *(AIMS if instrument in ASKS_AIMS else ())]
    ]
    by_year = list(
        submitted.values("placement__year__year").annotate(
            responses=Count("pk"),
            **{
                f"answered_{instrument}": Count("pk", filter=Q(instrument=instrument) & asked_in)
                for instrument, asked_in in asked_for.items()
            },
            **{
                f"{instrument}__{name}__{rating}": Count(
                    "pk", filter=Q(instrument=instrument, **{name: rating})
                )
                for instrument, name in questions
                for rating in SCALE
            },
        )
    )
    years: dict[int, dict] = {}
    for row in reached:
        totals = years.setdefault(
            row["in_year"], {"placements": 0, "budgeted": Decimal(0), "approved": Decimal(0)}
        )
        totals["placements"] += row["sent"]
        totals["budgeted"] += row["budgeted"]
        totals["approved"] += row["approved"]
    post_exchange = {
        row["placement__year__year"]: row[f"answered_{Instrument.POST_EXCHANGE}"] for row in by_year
    }
    return Inputs(
        asked=asked,
        answered={
            instrument: sum(row[f"answered_{instrument}"] for row in by_year)
            for instrument in Instrument
        },
        responses=sum(row["responses"] for row in by_year),
        ratings={
            (instrument, name): tuple(
                sum(row[f"{instrument}__{name}__{rating}"] for row in by_year) for rating in SCALE
            )
            for instrument, name in questions
        },
        pairs=_pairs(submitted),
        reached=[
            Reached(row["in_year"], row["organisation"], row["nation"], row["sent"], row["hosted"])
            for row in reached
        ],
        years={
            year: YearInputs(
                placements=totals["placements"],
                post_exchange=post_exchange.get(year, 0),
                budgeted=totals["budgeted"],
                approved=totals["approved"],
            )
            for year, totals in years.items()
        },
    )


def _on_placement(condition: Q) -> Q:
    """A condition on a placement, asked of its responses."""
    return Q(*[(f"placement__{name}", value) for name, value in condition.children])


def _reached(placements: QuerySet[Placement], completed: Q, follow_up_due: Q) -> list[dict]:
    """The placements of each year by the organisation that sent them (with how many
    were completed, have their follow-up due, and their money) and by the one that
    hosted them: one row per year and organisation, in one query."""
    sent = (
        placements.order_by()
        .values(in_year=F("year__year"), organisation=F("home_id"), nation=F("home__nation"))
        .annotate(
            sent=Count("pk"),
            hosted=Value(0),
            completed=Count("pk", filter=completed),
            due=Count("pk", filter=follow_up_due),
            budgeted=Coalesce(Sum(Subquery(budget_total(), output_field=MONEY)), ZERO),
            approved=Coalesce(Sum(Subquery(approved_total(), output_field=MONEY)), ZERO),
        )
    )
    hosted = (
        placements.order_by()
        .values(in_year=F("year__year"), organisation=F("host_id"), nation=F("host__nation"))
        .annotate(
            sent=Value(0),
            hosted=Count("pk"),
            completed=Value(0),
            due=Value(0),
            budgeted=ZERO,
            approved=ZERO,
        )
    )
    return list(sent.union(hosted, all=True))


def _pairs(submitted: QuerySet[Response]) -> dict[tuple[str, str], tuple[int, int, int]]:
    """For each later evaluation and outcome: the people who answered it and the
    baseline, and the sums of their ratings in each."""
    paired = submitted.filter(instrument__in=LATER).annotate(
        baseline=FilteredRelation(
            "placement__evaluation_responses",
            condition=Q(
                placement__evaluation_responses__instrument=Instrument.BASELINE,
                placement__evaluation_responses__status=Response.Status.SUBMITTED,
            ),
        )
    )
    sums = paired.filter(baseline__isnull=False).aggregate(
        **{f"{later}__pairs": Count("pk", filter=Q(instrument=later)) for later in LATER},
        **{
            f"{later}__{name}__{when}": Sum(column, filter=Q(instrument=later), default=0)
            for later in LATER
            for name in OUTCOMES
            for when, column in (("before", f"baseline__{name}"), ("after", name))
        },
    )
    return {
        (later, name): (
            sums[f"{later}__pairs"],
            sums[f"{later}__{name}__before"],
            sums[f"{later}__{name}__after"],
        )
        for later in LATER
        for name in OUTCOMES
    }


PUBLIC_FINDINGS_KEY = "evaluations:public-findings"


def public_findings() -> Report | None:
    """Every year and organisation, with small groups withheld, for the public page, as
    the task last counted them (evaluations.tasks.refresh_public_findings): the page
    only reads them. None until they are first counted."""
    return cache.get(PUBLIC_FINDINGS_KEY)


def count_public_findings() -> Report:
    """Count the public findings afresh and keep them until they are next counted."""
    findings = report(year=None, organisation=None, min_group=settings.EVALUATION_MIN_GROUP)
    cache.set(PUBLIC_FINDINGS_KEY, findings, timeout=None)
    return findings
