"""Each year's evaluation figures, counted and summed by the database and stored.

`report_inputs` counts one set of placements in three queries. `count` stores a
year's inputs for everyone's placements or one organisation's (ReportFigures);
`stored_inputs` adds up the stored years of a scope (counting, there and then, a year
never counted before); `refresh` counts again the years that still change, which a
task does on a schedule and after each submitted evaluation.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from evaluations.models import (
    AIMS,
    ASKS_AIMS,
    OUTCOMES,
    Instrument,
    ReportFigures,
    Response,
    follow_up_due_by,
)
from evaluations.statistics import (
    LATER,
    SCALE,
    Inputs,
    Reached,
    YearInputs,
    combine,
    from_json,
    to_json,
)
from partners.models import Organisation, ProgrammeYear
from placements.models import Placement
from placements.selectors import MONEY, ZERO, approved_total, budget_total


def placements_in(year_id: int, organisation: Organisation | None) -> QuerySet[Placement]:
    """The placements a report counts: confirmed and completed, in the year, sent or
    hosted by the organisation (any, when None)."""
    placements = Placement.objects.filter(
        year_id=year_id, status__in=[Placement.Status.CONFIRMED, Placement.Status.COMPLETED]
    )
    if organisation is not None:
        placements = placements.filter(Q(home=organisation) | Q(host=organisation))
    return placements


def count(year_id: int, organisation: Organisation | None, *, today: datetime.date) -> Inputs:
    """Count a year's figures for the scope and store them, replacing any before."""
    inputs = report_inputs(placements_in(year_id, organisation), today=today)
    ReportFigures.objects.update_or_create(
        year_id=year_id,
        organisation=organisation,
        defaults={"inputs": to_json(inputs), "counted_at": timezone.now()},
    )
    return inputs


def stored_inputs(
    years: QuerySet[ProgrammeYear], *, organisation: Organisation | None, today: datetime.date
) -> Inputs:
    """The stored figures of the years for the scope, added up."""
    year_ids = list(years.values_list("pk", flat=True))
    stored = {
        row.year_id: from_json(row.inputs)
        for row in ReportFigures.objects.filter(year_id__in=year_ids, organisation=organisation)
    }
    parts = [
        stored[year_id] if year_id in stored else count(year_id, organisation, today=today)
        for year_id in year_ids
    ]
    return combine(parts)


def refresh(years: QuerySet[ProgrammeYear], *, today: datetime.date) -> int:
    """Count again each stored scope of the years, and everyone's. Returns how many."""
    counted = 0
    for year_id in years.values_list("pk", flat=True):
        scopes = ReportFigures.objects.filter(year_id=year_id, organisation__isnull=False)
        organisations = [None, *Organisation.objects.filter(pk__in=scopes.values("organisation"))]
        for organisation in organisations:
            count(year_id, organisation, today=today)
            counted += 1
    return counted


def changing_years(today: datetime.date) -> QuerySet[ProgrammeYear]:
    """The years whose figures can still change: those not past their follow-up date,
    and the one just past it (follow-ups fall due for a while after it)."""
    return ProgrammeYear.objects.filter(follow_up_on__gte=today - datetime.timedelta(days=366))


def report_inputs(placements: QuerySet[Placement], *, today: datetime.date) -> Inputs:
    """What the report's figures are computed from, counted and summed by the database,
    for one year's placements (ReportFigures keeps a year a row)."""
    completed_when = {"status": Placement.Status.COMPLETED}
    follow_up_when = {**completed_when, "end_on__lte": follow_up_due_by(today)}
    completed, follow_up_due = Q(**completed_when), Q(**follow_up_when)
    reached = _reached(placements, completed, follow_up_due)
    asked: dict[str, int] = {
        Instrument.BASELINE: sum(row["sent"] for row in reached),
        Instrument.POST_EXCHANGE: sum(row["completed"] for row in reached),
        Instrument.HOST_FEEDBACK: sum(row["completed"] for row in reached),
        Instrument.FOLLOW_UP: sum(row["due"] for row in reached),
    }
    asked_for = {
        Instrument.BASELINE: Q(),
        Instrument.POST_EXCHANGE: _on_placement(completed_when),
        Instrument.HOST_FEEDBACK: _on_placement(completed_when),
        Instrument.FOLLOW_UP: _on_placement(follow_up_when),
    }
    submitted = Response.objects.filter(
        status=Response.Status.SUBMITTED, placement__in=placements.values("pk")
    ).order_by()
    questions = [
        (instrument, name)
        for instrument in Instrument
        for name in [*OUTCOMES, *(AIMS if instrument in ASKS_AIMS else ())]
    ]
    counted = submitted.aggregate(
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
    in_year = {row["in_year"] for row in reached}  # one year, or none without placements
    year_totals = YearInputs(
        placements=asked[Instrument.BASELINE],
        post_exchange=counted[f"answered_{Instrument.POST_EXCHANGE}"],
        budgeted=sum((row["budgeted"] for row in reached), Decimal(0)),
        approved=sum((row["approved"] for row in reached), Decimal(0)),
    )
    return Inputs(
        asked=asked,
        answered={instrument: counted[f"answered_{instrument}"] for instrument in Instrument},
        responses=counted["responses"],
        ratings={
            (instrument, name): tuple(
                counted[f"{instrument}__{name}__{rating}"] for rating in SCALE
            )
            for instrument, name in questions
        },
        pairs=_pairs(submitted),
        reached=[
            Reached(row["in_year"], row["organisation"], row["nation"], row["sent"], row["hosted"])
            for row in reached
        ],
        years=dict.fromkeys(in_year, year_totals),
    )


def _on_placement(lookups: dict) -> Q:
    """A condition on a placement, asked of its responses."""
    return Q(**{f"placement__{name}": value for name, value in lookups.items()})


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
