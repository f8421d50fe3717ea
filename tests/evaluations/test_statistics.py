"""The report's figures are numbers, and a withheld figure is a value, not words."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from evaluations.models import AIMS, OUTCOMES, Instrument
from evaluations.statistics import Gap, compute
from placements.models import Placement

ENGLAND = SimpleNamespace(nation="england")
WALES = SimpleNamespace(nation="wales")


def _placement(pk: int):
    start = datetime.date(2031, 6, 2)
    return SimpleNamespace(
        pk=pk,
        home=ENGLAND,
        host=WALES,
        home_id=1,
        host_id=2,
        status=Placement.Status.COMPLETED,
        start_on=start,
        end_on=start + datetime.timedelta(days=4),
        budgeted=Decimal("650.00"),
        approved=Decimal("12.50"),
    )


def _answers(pk: int, instrument: str, rating: int) -> dict:
    ratings = dict.fromkeys([*OUTCOMES, *AIMS], rating)
    return {"placement_id": pk, "instrument": instrument, **ratings}


def test_figures_are_numbers_and_too_few_people_are_withheld_as_a_value():
    placements = [_placement(pk) for pk in range(1, 7)]
    responses = (
        [_answers(pk, Instrument.BASELINE, 2) for pk in range(1, 7)]
        + [_answers(pk, Instrument.POST_EXCHANGE, 4) for pk in range(1, 7)]
        + [_answers(1, Instrument.HOST_FEEDBACK, 5)]
    )

    figures = compute(placements, responses, today=datetime.date(2031, 7, 1), min_group=5)

    post = next(r for r in figures.ratings if r.instrument == Instrument.POST_EXCHANGE)
    assert (post.counts, post.responses, post.average) == ((0, 0, 0, 6, 0), 6, Decimal("4.0"))
    host = next(r for r in figures.ratings if r.instrument == Instrument.HOST_FEEDBACK)
    assert (host.counts, host.responses, host.average) == (Gap.WITHHELD,) * 3
    change = next(c for c in figures.changes if c.later == Instrument.POST_EXCHANGE)
    assert (change.people, change.change) == (6, Decimal("2.0"))
    follow_up = next(c for c in figures.changes if c.later == Instrument.FOLLOW_UP)
    assert (follow_up.people, follow_up.change) == (0, Gap.NO_ANSWERS)
    rates = {rate.instrument: rate.percent for rate in figures.response_rates}
    assert rates[Instrument.FOLLOW_UP] is Gap.NOT_DUE
    assert rates[Instrument.POST_EXCHANGE] == Decimal(100)
    assert figures.public_outcomes[0].percent_high == Decimal(100)
    assert figures.years[0].budget_per_placement == Decimal("650.00")
