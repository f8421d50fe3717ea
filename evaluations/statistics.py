"""The evaluation's figures as numbers: what the page, the CSV, the public programme
page and any future API all read.

`compute` is pure: it takes the placements in scope (with their money) and their
submitted responses and returns every figure, rounded to the precision the programme
publishes (averages to one decimal place, shares to whole per cent, money to the
penny). Where a figure cannot be given, it is a `Gap` saying why: withheld because
fewer than `min_group` people rated (so no one can be singled out), nobody answered,
or nobody has been asked yet. Words, layout and charts are for reports.py and charts.py.
"""

import dataclasses
import datetime
import enum
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from evaluations.models import AIMS, ASKS_AIMS, OUTCOMES, Instrument, follow_up_due_on
from partners.models import Nation
from placements.models import Placement

SCALE = range(1, 6)
# The instruments a participant answers after the placement, compared with the baseline.
LATER = (Instrument.POST_EXCHANGE, Instrument.FOLLOW_UP)


class Gap(enum.Enum):
    """Why a figure is not given."""

    WITHHELD = "withheld"  # fewer than min_group people rated
    NO_ANSWERS = "no answers"  # nobody answered
    NOT_DUE = "not due yet"  # nobody has been asked yet


@dataclasses.dataclass(frozen=True)
class ResponseRate:
    instrument: Instrument
    asked: int
    answered: int
    percent: Decimal | Gap


@dataclasses.dataclass(frozen=True)
class Ratings:
    """How one instrument's respondents rated one outcome."""

    outcome: str
    instrument: Instrument
    counts: tuple[int, ...] | Gap  # people rating 1, 2, 3, 4 and 5
    responses: int | Gap
    average: Decimal | Gap


@dataclasses.dataclass(frozen=True)
class Change:
    """One outcome, before and after, over the people who answered both."""

    outcome: str
    later: Instrument
    people: int | Gap
    before: Decimal | Gap
    after: Decimal | Gap
    change: Decimal | Gap


@dataclasses.dataclass(frozen=True)
class AimMet:
    aim: str
    instrument: Instrument
    responses: int | Gap
    average: Decimal | Gap
    percent_met: Decimal | Gap  # rated 4 or 5


@dataclasses.dataclass(frozen=True)
class NationReach:
    nation: Nation | None  # None: all nations
    organisations: int
    sent: int
    hosted: int


@dataclasses.dataclass(frozen=True)
class YearFigures:
    year: int
    placements: int
    organisations: int
    nations: int
    post_exchange: int
    budgeted: Decimal
    approved: Decimal
    budget_per_placement: Decimal


@dataclasses.dataclass(frozen=True)
class PublicOutcome:
    """After the placement: the share rating an outcome high, and its change."""

    outcome: str
    responses: int
    percent_high: Decimal | Gap
    pairs: int
    change: Decimal | Gap


@dataclasses.dataclass(frozen=True)
class PublicAim:
    aim: str
    responses: int
    percent_met: Decimal | Gap


@dataclasses.dataclass(frozen=True)
class Statistics:
    min_group: int
    placements: int
    organisations: int
    nations: int
    responses: int
    response_rates: list[ResponseRate]
    ratings: list[Ratings]
    changes: list[Change]
    aims: list[AimMet]
    reach: list[NationReach]  # each nation, then all nations
    years: list[YearFigures]
    public_outcomes: list[PublicOutcome]
    public_aims: list[PublicAim]


def one_place(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def mean(total: int, count: int) -> Decimal | Gap:
    return one_place(Decimal(total) / count) if count else Gap.NO_ANSWERS


def percent(part: int, whole: int) -> Decimal | Gap:
    if not whole:
        return Gap.NOT_DUE
    return (Decimal(100) * part / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def money(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def percent_high(ratings: list[int]) -> Decimal | Gap:
    """The share rating 4 or 5."""
    return percent(sum(1 for rating in ratings if rating >= 4), len(ratings))


def compute(
    placements: Iterable[Any],
    responses: Iterable[dict],
    *,
    today: datetime.date,
    min_group: int,
) -> Statistics:
    """Every figure. `placements` are the confirmed and completed ones in scope, each
    with `budgeted` and `approved` and its home and host; `responses` are the submitted
    responses to them, as dicts of `placement_id`, `instrument` and ratings."""
    placements = list(placements)
    by_pk = {placement.pk: placement for placement in placements}
    answers: dict[str, dict[int, dict]] = defaultdict(dict)
    for response in responses:
        if response["placement_id"] in by_pk:
            answers[response["instrument"]][response["placement_id"]] = response
    hides = _Withholding(min_group).hides
    organisations, nations = _reached(placements)
    return Statistics(
        min_group=min_group,
        placements=len(placements),
        organisations=len(organisations),
        nations=len(nations),
        responses=sum(len(given) for given in answers.values()),
        response_rates=_response_rates(placements, answers, today),
        ratings=_ratings(answers, hides),
        changes=_changes(answers, hides),
        aims=_aims(answers, hides),
        reach=_reach(placements),
        years=_years(placements, answers),
        public_outcomes=_public_outcomes(answers, min_group),
        public_aims=_public_aims(answers, min_group),
    )


@dataclasses.dataclass(frozen=True)
class _Withholding:
    min_group: int

    def hides(self, count: int) -> bool:
        return 0 < count < self.min_group


def _asked(placement, instrument: str, today: datetime.date) -> bool:
    """Whether the instrument is open, or was, for the placement."""
    if instrument == Instrument.BASELINE:
        return True  # every confirmed and completed placement had its baseline
    if placement.status != Placement.Status.COMPLETED:
        return False
    if instrument == Instrument.FOLLOW_UP:
        return follow_up_due_on(placement) <= today
    return True


def _reached(placements) -> tuple[set[int], set[str]]:
    """The organisations, and their nations, that sent or hosted the placements."""
    organisations = {p.home_id for p in placements} | {p.host_id for p in placements}
    nations = {p.home.nation for p in placements} | {p.host.nation for p in placements}
    return organisations, nations


def _response_rates(placements, answers, today) -> list[ResponseRate]:
    rates = []
    for instrument in Instrument:
        asked = [p.pk for p in placements if _asked(p, instrument, today)]
        answered = sum(1 for pk in asked if pk in answers[instrument])
        rates.append(ResponseRate(instrument, len(asked), answered, percent(answered, len(asked))))
    return rates


def _ratings(answers, hides) -> list[Ratings]:
    found = []
    for name in OUTCOMES:
        for instrument in Instrument:
            counts = Counter(given[name] for given in answers[instrument].values())
            count = sum(counts.values())
            if hides(count):
                found.append(Ratings(name, instrument, Gap.WITHHELD, Gap.WITHHELD, Gap.WITHHELD))
                continue
            total = sum(rating * times for rating, times in counts.items())
            found.append(
                Ratings(
                    name,
                    instrument,
                    tuple(counts[rating] for rating in SCALE),
                    count,
                    mean(total, count),
                )
            )
    return found


def _pairs(answers, later: str, name: str) -> tuple[int, int, int]:
    """(pairs, sum of baseline ratings, sum of later ratings) over the placements that
    answered both the baseline and `later`."""
    baseline = answers[Instrument.BASELINE]
    both = [pk for pk in answers[later] if pk in baseline]
    return (
        len(both),
        sum(baseline[pk][name] for pk in both),
        sum(answers[later][pk][name] for pk in both),
    )


def _change(before: int, after: int, pairs: int) -> Decimal | Gap:
    return mean(after - before, pairs)


def _changes(answers, hides) -> list[Change]:
    found = []
    for name in OUTCOMES:
        for later in LATER:
            pairs, before, after = _pairs(answers, later, name)
            if hides(pairs):
                withheld = Gap.WITHHELD
                found.append(Change(name, later, withheld, withheld, withheld, withheld))
                continue
            found.append(
                Change(
                    name,
                    later,
                    pairs,
                    mean(before, pairs),
                    mean(after, pairs),
                    _change(before, after, pairs),
                )
            )
    return found


def _aims(answers, hides) -> list[AimMet]:
    found = []
    for name in AIMS:
        for instrument in ASKS_AIMS:
            ratings = [given[name] for given in answers[instrument].values()]
            if hides(len(ratings)):
                found.append(AimMet(name, instrument, Gap.WITHHELD, Gap.WITHHELD, Gap.WITHHELD))
                continue
            found.append(
                AimMet(
                    name,
                    instrument,
                    len(ratings),
                    mean(sum(ratings), len(ratings)),
                    percent_high(ratings) if ratings else Gap.NO_ANSWERS,
                )
            )
    return found


def _reach(placements) -> list[NationReach]:
    organisations: dict[str, set[int]] = defaultdict(set)
    sent: Counter[str] = Counter()
    hosted: Counter[str] = Counter()
    for placement in placements:
        organisations[placement.home.nation].add(placement.home_id)
        organisations[placement.host.nation].add(placement.host_id)
        sent[placement.home.nation] += 1
        hosted[placement.host.nation] += 1
    return [
        *(
            NationReach(nation, len(organisations[nation]), sent[nation], hosted[nation])
            for nation in Nation
        ),
        NationReach(
            None,
            sum(len(ids) for ids in organisations.values()),
            len(placements),
            len(placements),
        ),
    ]


def _years(placements, answers) -> list[YearFigures]:
    years = defaultdict(list)
    for placement in placements:
        years[placement.start_on.year].append(placement)
    found = []
    for year in sorted(years):
        in_year = years[year]
        budgeted = sum((p.budgeted for p in in_year), Decimal(0))
        organisations, nations = _reached(in_year)
        found.append(
            YearFigures(
                year=year,
                placements=len(in_year),
                organisations=len(organisations),
                nations=len(nations),
                post_exchange=sum(1 for p in in_year if p.pk in answers[Instrument.POST_EXCHANGE]),
                budgeted=money(budgeted),
                approved=money(sum((p.approved for p in in_year), Decimal(0))),
                budget_per_placement=money(budgeted / len(in_year)),
            )
        )
    return found


def _public_outcomes(answers, min_group: int) -> list[PublicOutcome]:
    """After the placement: each outcome's share rated high or very high, and its change
    from the baseline; withheld where too few answered (none at all included)."""
    found = []
    for name in OUTCOMES:
        ratings = [given[name] for given in answers[Instrument.POST_EXCHANGE].values()]
        pairs, before, after = _pairs(answers, Instrument.POST_EXCHANGE, name)
        found.append(
            PublicOutcome(
                outcome=name,
                responses=len(ratings),
                percent_high=percent_high(ratings) if len(ratings) >= min_group else Gap.WITHHELD,
                pairs=pairs,
                change=_change(before, after, pairs) if pairs >= min_group else Gap.WITHHELD,
            )
        )
    return found


def _public_aims(answers, min_group: int) -> list[PublicAim]:
    found = []
    for name in AIMS:
        ratings = [given[name] for given in answers[Instrument.POST_EXCHANGE].values()]
        found.append(
            PublicAim(
                aim=name,
                responses=len(ratings),
                percent_met=percent_high(ratings) if len(ratings) >= min_group else Gap.WITHHELD,
            )
        )
    return found
