"""The report's figures are numbers, and a withheld figure is a value, not words."""

from decimal import Decimal

from evaluations.models import AIMS, OUTCOMES, Instrument
from evaluations.statistics import Gap, Inputs, Reached, YearInputs, compute


def _inputs() -> Inputs:
    """Six completed placements from England to Wales in 2031: all six rated every
    question 2 before and 4 after; one supervisor rated 5; no follow-up due yet."""
    ratings = {}
    for name in OUTCOMES:
        ratings[(Instrument.BASELINE, name)] = (0, 6, 0, 0, 0)
        ratings[(Instrument.POST_EXCHANGE, name)] = (0, 0, 0, 6, 0)
        ratings[(Instrument.HOST_FEEDBACK, name)] = (0, 0, 0, 0, 1)
    for name in AIMS:
        ratings[(Instrument.POST_EXCHANGE, name)] = (0, 0, 0, 6, 0)
    return Inputs(
        asked={
            Instrument.BASELINE: 6,
            Instrument.POST_EXCHANGE: 6,
            Instrument.HOST_FEEDBACK: 6,
            Instrument.FOLLOW_UP: 0,
        },
        answered={
            Instrument.BASELINE: 6,
            Instrument.POST_EXCHANGE: 6,
            Instrument.HOST_FEEDBACK: 1,
            Instrument.FOLLOW_UP: 0,
        },
        responses=13,
        ratings=ratings,
        pairs={(Instrument.POST_EXCHANGE, name): (6, 12, 24) for name in OUTCOMES},
        reached=[Reached(2031, 1, "england", 6, 0), Reached(2031, 2, "wales", 0, 6)],
        years={2031: YearInputs(6, 6, Decimal("3900.00"), Decimal("75.00"))},
    )


def test_figures_are_numbers_and_too_few_people_are_withheld_as_a_value():
    figures = compute(_inputs(), min_group=5)

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
    assert (figures.placements, figures.organisations, figures.nations) == (6, 2, 2)
