"""The evaluation report in words: every table of figures as the page and the CSV show
it, with its chart.

The figures come from evaluations.statistics as numbers (and a `Gap` where a figure is
withheld, not answered or not yet due); this module only writes them as text, and
evaluations.charts draws them. Each cell is written once, in a `Table`, so the page
and the CSV cannot disagree.
"""

import dataclasses
import math
from decimal import Decimal
from itertools import groupby

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.money import pounds
from evaluations import statistics
from evaluations.charts import bar_chart, stacked_chart
from evaluations.models import AIMS, OUTCOMES
from evaluations.statistics import SCALE, Gap, Statistics

GAP_WORDS = {
    Gap.WITHHELD: gettext_lazy("withheld"),
    Gap.NO_ANSWERS: gettext_lazy("no answers"),
    Gap.NOT_DUE: gettext_lazy("not due yet"),
}


@dataclasses.dataclass
class Table:
    """A table of figures, each cell already text; `chart` draws some of them."""

    key: str
    caption: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""
    chart: dict | None = None


@dataclasses.dataclass
class Report:
    min_group: int
    placements: int
    organisations: int
    nations: int
    responses: int
    tables: list[Table]
    # For the public programme page: each outcome's share rating it high after the
    # placement and its change from the baseline, None where withheld.
    public_outcomes: list[dict]
    public_aims: list[dict]
    # The same figures as numbers, for anything that computes with them.
    statistics: Statistics

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


def text(figure: int | Decimal | Gap) -> str:
    """A count or an average as written in a table, or the words for a gap."""
    return str(GAP_WORDS[figure]) if isinstance(figure, Gap) else str(figure)


def percent_text(figure: Decimal | Gap) -> str:
    return text(figure) if isinstance(figure, Gap) else f"{figure}%"


def signed_text(figure: Decimal | Gap) -> str:
    """A change, with its sign: +2.0, -0.4, 0.0."""
    written = text(figure)
    if isinstance(figure, Gap) or written.startswith("-") or written == "0.0":
        return written
    return f"+{written}"


def plot(figure: int | Decimal | Gap) -> float | str:
    """A figure as a chart draws it: its number, or the words for a gap."""
    return text(figure) if isinstance(figure, Gap) else float(figure)


def build_report(inputs: statistics.Inputs, *, min_group: int) -> Report:
    """Every table of the report (see statistics.compute for what it is given)."""
    figures = statistics.compute(inputs, min_group=min_group)
    rule = _Withholding(min_group)
    return Report(
        min_group=min_group,
        placements=figures.placements,
        organisations=figures.organisations,
        nations=figures.nations,
        responses=figures.responses,
        tables=[
            _response_rates(figures),
            _distribution(figures, rule),
            _change(figures, rule),
            _aims(figures, rule),
            _reach(figures),
            _by_year(figures),
        ],
        public_outcomes=[
            {
                "outcome": OUTCOMES[row.outcome],
                "responses": row.responses,
                "high": None
                if row.percent_high is Gap.WITHHELD
                else percent_text(row.percent_high),
                "pairs": row.pairs,
                "change": None if row.change is Gap.WITHHELD else signed_text(row.change),
            }
            for row in figures.public_outcomes
        ],
        public_aims=[
            {
                "aim": AIMS[row.aim],
                "responses": row.responses,
                "met": None if row.percent_met is Gap.WITHHELD else percent_text(row.percent_met),
            }
            for row in figures.public_aims
        ],
        statistics=figures,
    )


@dataclasses.dataclass
class _Withholding:
    """How the report says that figures from fewer than `min_group` people are withheld."""

    min_group: int

    @property
    def note(self) -> str:
        if self.min_group <= 1:
            return ""
        return _("Figures from fewer than %(count)d people are withheld.") % {
            "count": self.min_group
        }

    @property
    def fewer(self) -> str:
        return _("fewer than %(count)d") % {"count": self.min_group}

    def count(self, figure: int | Gap) -> str:
        """A number of people, or "fewer than 5" where they are too few to show."""
        return self.fewer if figure is Gap.WITHHELD else text(figure)


def _sentences(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _response_rates(figures: Statistics) -> Table:
    rows = [
        [
            str(rate.instrument.label),
            str(rate.asked),
            str(rate.answered),
            percent_text(rate.percent),
        ]
        for rate in figures.response_rates
    ]
    return Table(
        key="response_rates",
        caption=_("Response rates"),
        headers=[_("Evaluation"), _("Asked"), _("Answered"), _("Response rate")],
        rows=rows,
        note=_(
            "Asked: the baseline of every confirmed placement; the post-exchange evaluation "
            "and the host's feedback once a placement is completed; the follow-up once it "
            "is due."
        ),
        chart=bar_chart(
            title=_("Response rate by evaluation, per cent"),
            groups=[
                (str(rate.instrument.label), [plot(rate.percent)])
                for rate in figures.response_rates
            ],
            series=[_("Response rate")],
            low=0,
            high=100,
            unit="%",
        ),
    )


def _distribution(figures: Statistics, rule: _Withholding) -> Table:
    rows: list[list[str]] = []
    groups: list[tuple[str, list[tuple[str, list[int] | str]]]] = []
    for outcome, by_instrument in groupby(figures.ratings, key=lambda ratings: ratings.outcome):
        bars: list[tuple[str, list[int] | str]] = []
        groups.append((str(OUTCOMES[outcome]), bars))
        for ratings in by_instrument:
            instrument = str(ratings.instrument.label)
            row_label = f"{OUTCOMES[outcome]}: {instrument}"
            if isinstance(ratings.counts, Gap):
                withheld = text(Gap.WITHHELD)
                rows.append([row_label, *[withheld] * 5, rule.fewer, withheld])
                bars.append((instrument, withheld))
                continue
            rows.append(
                [
                    row_label,
                    *[str(count) for count in ratings.counts],
                    text(ratings.responses),
                    text(ratings.average),
                ]
            )
            bars.append(
                (instrument, list(ratings.counts) if ratings.responses else text(Gap.NO_ANSWERS))
            )
    return Table(
        key="distribution",
        caption=_("How participants and supervisors rated each outcome"),
        headers=[
            _("Outcome and evaluation"),
            *[_("Rated %d") % rating for rating in SCALE],
            _("Responses"),
            _("Average (1 to 5)"),
        ],
        rows=rows,
        note=_sentences(_("1 is very low and 5 very high."), rule.note),
        chart=stacked_chart(
            title=_("Ratings of each outcome, by evaluation, as shares of responses"),
            groups=groups,
            legend=[_("Rated %d") % rating for rating in SCALE],
        ),
    )


def _change(figures: Statistics, rule: _Withholding) -> Table:
    rows: list[list[str]] = []
    groups: list[tuple[str, list[float | str]]] = []
    for outcome, by_later in groupby(figures.changes, key=lambda change: change.outcome):
        row, values = [str(OUTCOMES[outcome])], []
        for change in by_later:
            if change.people is Gap.WITHHELD:
                row += [rule.fewer, *[text(Gap.WITHHELD)] * 3]
            else:
                row += [
                    text(change.people),
                    text(change.before),
                    text(change.after),
                    signed_text(change.change),
                ]
            values.append(plot(change.change))
        rows.append(row)
        groups.append((row[0], values))
    numbers = [
        abs(value) for _label, values in groups for value in values if not isinstance(value, str)
    ]
    reach = math.ceil(max([1, *numbers]))
    return Table(
        key="change",
        caption=_("Change in each outcome from the baseline"),
        headers=[
            _("Outcome"),
            _("People who answered the baseline and the post-exchange evaluation"),
            _("Average before"),
            _("Average after"),
            _("Change to after"),
            _("People who answered the baseline and the follow-up"),
            _("Average before (follow-up group)"),
            _("Average at follow-up"),
            _("Change to follow-up"),
        ],
        rows=rows,
        note=_sentences(
            _(
                "Each change compares the same people's answers before and after, on the "
                "scale of 1 to 5."
            ),
            rule.note,
        ),
        chart=bar_chart(
            title=_("Average change in each outcome from the baseline, in points"),
            groups=groups,
            series=[_("Change to after the placement"), _("Change to the follow-up")],
            low=-reach,
            high=reach,
        ),
    )


def _aims(figures: Statistics, rule: _Withholding) -> Table:
    rows: list[list[str]] = []
    groups: list[tuple[str, list[float | str]]] = []
    for aim, by_instrument in groupby(figures.aims, key=lambda met: met.aim):
        row, values = [str(AIMS[aim])], []
        for met in by_instrument:
            if met.responses is Gap.WITHHELD:
                row += [rule.fewer, text(Gap.WITHHELD), text(Gap.WITHHELD)]
            else:
                row += [text(met.responses), text(met.average), percent_text(met.percent_met)]
            values.append(plot(met.percent_met))
        rows.append(row)
        groups.append((row[0], values))
    return Table(
        key="aims",
        caption=_("How far the aims were met"),
        headers=[
            _("Aim"),
            _("Post-exchange responses"),
            _("Average after (1 to 5)"),
            _("Largely or fully met after"),
            _("Follow-up responses"),
            _("Average at follow-up (1 to 5)"),
            _("Largely or fully met at follow-up"),
        ],
        rows=rows,
        note=_sentences(
            _("Largely or fully met: rated 4 or 5, where 1 is not at all and 5 fully."), rule.note
        ),
        chart=bar_chart(
            title=_("Share of participants saying each aim was largely or fully met, per cent"),
            groups=groups,
            series=[_("After the placement"), _("At the follow-up")],
            low=0,
            high=100,
            unit="%",
        ),
    )


def _reach(figures: Statistics) -> Table:
    *nations, everywhere = figures.reach
    rows = [
        [
            str(row.nation.label) if row.nation else _("All nations"),
            str(row.organisations),
            str(row.sent),
            str(row.hosted),
        ]
        for row in [*nations, everywhere]
    ]
    return Table(
        key="reach",
        caption=_("Organisations and nations reached"),
        headers=[_("Nation"), _("Organisations"), _("Participants sent"), _("Participants hosted")],
        rows=rows,
        note=_("An organisation counts once however many placements it sent or hosted."),
        chart=bar_chart(
            title=_("Organisations taking part, by nation"),
            groups=[
                (row[0], [figure.organisations])
                for row, figure in zip(rows[:-1], nations, strict=True)
            ],
            series=[_("Organisations")],
            low=0,
            high=max([1, *[row.organisations for row in nations]]),
        ),
    )


def _by_year(figures: Statistics) -> Table:
    rows = [
        [
            str(year.year),
            str(year.placements),
            str(year.organisations),
            str(year.nations),
            str(year.post_exchange),
            pounds(year.budgeted),
            pounds(year.approved),
            pounds(year.budget_per_placement),
        ]
        for year in figures.years
    ]
    return Table(
        key="by_year",
        caption=_("Year by year: placements, reach and spend"),
        headers=[
            _("Year"),
            _("Placements"),
            _("Organisations"),
            _("Nations"),
            _("Post-exchange evaluations"),
            _("Budget"),
            _("Claims approved"),
            _("Budget per placement"),
        ],
        rows=rows,
        note=_(
            "The budget is what the programme books and allows for each placement (travel, "
            "accommodation, subsistence and other costs); claims approved are what "
            "participants have been repaid within it."
        ),
        chart=bar_chart(
            title=_("Budget per placement by year, in pounds"),
            groups=[(str(year.year), [float(year.budget_per_placement)]) for year in figures.years],
            series=[_("Budget per placement")],
            low=0,
            high=max([1, *[float(year.budget_per_placement) for year in figures.years]]),
        ),
    )


def csv_rows(report: Report) -> list[list[str]]:
    """Each table as on the page: its caption, its headers, its rows, then a blank line."""
    rows: list[list[str]] = []
    for table in report.tables:
        rows += [[table.caption], table.headers, *table.rows, []]
    return rows
