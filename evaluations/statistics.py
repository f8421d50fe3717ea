"""The evaluation's figures as numbers: what the page, the CSV, the public programme
page and any future API all read.

`compute` is pure: it takes what the database counted and summed over the placements
in scope and their submitted responses (`Inputs`, see evaluations.selectors) and
returns every figure, rounded to the precision the programme
publishes (averages to one decimal place, shares to whole per cent, money to the
penny). Where a figure cannot be given, it is a `Gap` saying why: withheld because
fewer than `min_group` people rated (so no one can be singled out), nobody answered,
or nobody has been asked yet. Words, layout and charts are for reports.py and charts.py.
"""

import dataclasses
import enum
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from evaluations.models import AIMS, ASKS_AIMS, OUTCOMES, Instrument
from partners.models import Nation

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


@dataclasses.dataclass(frozen=True)
class Reached:
    """Placements of one year, grouped by one organisation that sent or hosted them."""

    year: int
    organisation: int
    nation: str
    sent: int
    hosted: int


@dataclasses.dataclass(frozen=True)
class YearInputs:
    placements: int
    post_exchange: int
    budgeted: Decimal
    approved: Decimal


@dataclasses.dataclass(frozen=True)
class Inputs:
    """What the figures are computed from, already counted and summed by the database
    (evaluations.selectors.report_inputs): nothing here grows with the responses."""

    asked: dict[str, int]  # instrument: placements asked it
    answered: dict[str, int]  # instrument: of those, the ones that answered
    responses: int  # every submitted response to the placements
    # (instrument, question): how many rated 1, 2, 3, 4 and 5
    ratings: dict[tuple[str, str], tuple[int, ...]]
    # (later instrument, outcome): (people who answered both, baseline sum, later sum)
    pairs: dict[tuple[str, str], tuple[int, int, int]]
    reached: list[Reached]
    years: dict[int, YearInputs]


def to_json(inputs: Inputs) -> dict:
    """Inputs as JSON, to be stored (evaluations.models.ReportFigures)."""
    return {
        "asked": inputs.asked,
        "answered": inputs.answered,
        "responses": inputs.responses,
        "ratings": {"|".join(key): list(counts) for key, counts in inputs.ratings.items()},
        "pairs": {"|".join(key): list(sums) for key, sums in inputs.pairs.items()},
        "reached": [dataclasses.astuple(row) for row in inputs.reached],
        "years": {
            str(year): [
                given.placements,
                given.post_exchange,
                str(given.budgeted),
                str(given.approved),
            ]
            for year, given in inputs.years.items()
        },
    }


def from_json(data: dict) -> Inputs:
    return Inputs(
        asked=data["asked"],
        answered=data["answered"],
        responses=data["responses"],
        ratings={tuple(key.split("|")): tuple(counts) for key, counts in data["ratings"].items()},
        pairs={tuple(key.split("|")): tuple(sums) for key, sums in data["pairs"].items()},
        reached=[Reached(*row) for row in data["reached"]],
        years={
            int(year): YearInputs(placements, post, Decimal(budgeted), Decimal(approved))
            for year, (placements, post, budgeted, approved) in data["years"].items()
        },
    )


def combine(parts: list[Inputs]) -> Inputs:
    """The inputs of several years together (their placements never overlap)."""

    def added(dicts: list[dict]) -> dict:
        total: dict = {}
        for given in dicts:
            for key, value in given.items():
                if isinstance(value, int):
                    total[key] = total.get(key, 0) + value
                else:
                    before = total.get(key, (0,) * len(value))
                    total[key] = tuple(a + b for a, b in zip(before, value, strict=True))
        return total

    return Inputs(
        asked=added([part.asked for part in parts]),
        answered=added([part.answered for part in parts]),
        responses=sum(part.responses for part in parts),
        ratings=added([part.ratings for part in parts]),
        pairs=added([part.pairs for part in parts]),
        reached=[row for part in parts for row in part.reached],
        years={year: given for part in parts for year, given in part.years.items()},
    )


def compute(inputs: Inputs, *, min_group: int) -> Statistics:
    """Every figure, from the counts and sums in `inputs`."""
    hides = _Withholding(min_group).hides
    organisations = {row.organisation for row in inputs.reached}
    nations = {row.nation for row in inputs.reached}
    return Statistics(
        min_group=min_group,
        placements=sum(row.sent for row in inputs.reached),
        organisations=len(organisations),
        nations=len(nations),
        responses=inputs.responses,
        response_rates=[
            ResponseRate(
                instrument,
                inputs.asked.get(instrument, 0),
                inputs.answered.get(instrument, 0),
                percent(inputs.answered.get(instrument, 0), inputs.asked.get(instrument, 0)),
            )
            for instrument in Instrument
        ],
        ratings=_ratings(inputs, hides),
        changes=_changes(inputs, hides),
        aims=_aims(inputs, hides),
        reach=_reach(inputs.reached),
        years=_years(inputs),
        public_outcomes=_public_outcomes(inputs, min_group),
        public_aims=_public_aims(inputs, min_group),
    )


@dataclasses.dataclass(frozen=True)
class _Withholding:
    min_group: int

    def hides(self, count: int) -> bool:
        return 0 < count < self.min_group


def _counts(inputs: Inputs, instrument: str, question: str) -> tuple[int, ...]:
    return inputs.ratings.get((instrument, question), (0,) * len(SCALE))


def _total(counts: tuple[int, ...]) -> int:
    return sum(rating * times for rating, times in zip(SCALE, counts, strict=True))


def _high(counts: tuple[int, ...]) -> Decimal | Gap:
    """The share rating 4 or 5."""
    return percent(counts[3] + counts[4], sum(counts))


def _ratings(inputs: Inputs, hides) -> list[Ratings]:
    found = []
    for name in OUTCOMES:
        for instrument in Instrument:
            counts = _counts(inputs, instrument, name)
            count = sum(counts)
            if hides(count):
                found.append(Ratings(name, instrument, Gap.WITHHELD, Gap.WITHHELD, Gap.WITHHELD))
                continue
            found.append(Ratings(name, instrument, counts, count, mean(_total(counts), count)))
    return found


def _change(before: int, after: int, pairs: int) -> Decimal | Gap:
    return mean(after - before, pairs)


def _changes(inputs: Inputs, hides) -> list[Change]:
    found = []
    for name in OUTCOMES:
        for later in LATER:
            pairs, before, after = inputs.pairs.get((later, name), (0, 0, 0))
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


def _aims(inputs: Inputs, hides) -> list[AimMet]:
    found = []
    for name in AIMS:
        for instrument in ASKS_AIMS:
            counts = _counts(inputs, instrument, name)
            count = sum(counts)
            if hides(count):
                found.append(AimMet(name, instrument, Gap.WITHHELD, Gap.WITHHELD, Gap.WITHHELD))
                continue
            found.append(
                AimMet(
                    name,
                    instrument,
                    count,
                    mean(_total(counts), count),
                    _high(counts) if count else Gap.NO_ANSWERS,
                )
            )
    return found


def _reach(reached: list[Reached]) -> list[NationReach]:
    organisations: dict[str, set[int]] = defaultdict(set)
    sent: Counter[str] = Counter()
    hosted: Counter[str] = Counter()
    for row in reached:
        organisations[row.nation].add(row.organisation)
        sent[row.nation] += row.sent
        hosted[row.nation] += row.hosted
    placements = sum(sent.values())
    return [
        *(
            NationReach(nation, len(organisations[nation]), sent[nation], hosted[nation])
            for nation in Nation
        ),
        NationReach(None, sum(len(ids) for ids in organisations.values()), placements, placements),
    ]


def _years(inputs: Inputs) -> list[YearFigures]:
    found = []
    for year in sorted(inputs.years):
        given = inputs.years[year]
        in_year = [row for row in inputs.reached if row.year == year]
        found.append(
            YearFigures(
                year=year,
                placements=given.placements,
                organisations=len({row.organisation for row in in_year}),
                nations=len({row.nation for row in in_year}),
                post_exchange=given.post_exchange,
                budgeted=money(given.budgeted),
                approved=money(given.approved),
                budget_per_placement=money(given.budgeted / given.placements),
            )
        )
    return found


def _public_outcomes(inputs: Inputs, min_group: int) -> list[PublicOutcome]:
    """After the placement: each outcome's share rated high or very high, and its change
    from the baseline; withheld where too few answered (none at all included)."""
    found = []
    for name in OUTCOMES:
        counts = _counts(inputs, Instrument.POST_EXCHANGE, name)
        pairs, before, after = inputs.pairs.get((Instrument.POST_EXCHANGE, name), (0, 0, 0))
        found.append(
            PublicOutcome(
                outcome=name,
                responses=sum(counts),
                percent_high=_high(counts) if sum(counts) >= min_group else Gap.WITHHELD,
                pairs=pairs,
                change=_change(before, after, pairs) if pairs >= min_group else Gap.WITHHELD,
            )
        )
    return found


def _public_aims(inputs: Inputs, min_group: int) -> list[PublicAim]:
    found = []
    for name in AIMS:
        counts = _counts(inputs, Instrument.POST_EXCHANGE, name)
        found.append(
            PublicAim(
                aim=name,
                responses=sum(counts),
                percent_met=_high(counts) if sum(counts) >= min_group else Gap.WITHHELD,
            )
        )
    return found
