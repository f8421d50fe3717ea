"""The evaluation report: what the programme achieved, per year and across years.

`build_report` is pure: it takes the placements in scope (with their money) and their
submitted responses, and works out every figure the page, the CSV export and the public
programme page show. Each figure is a cell of a `Table` already written as text, so the
page and the CSV cannot disagree. Figures about ratings from fewer than `min_group`
people are withheld, so no one can be singled out.
"""

import dataclasses
import datetime
import math
import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluations.models import AIMS, ASKS_AIMS, OUTCOMES, Instrument, follow_up_due_on
from partners.models import Nation
from placements.models import Placement

WITHHELD = gettext_lazy("withheld")
NO_ANSWERS = gettext_lazy("no answers")
NOT_DUE = gettext_lazy("not due yet")
SCALE = range(1, 6)
# The instruments a participant answers before and after, for the change in outcomes.
LATER = (Instrument.POST_EXCHANGE, Instrument.FOLLOW_UP)


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
    # placement and its change from the baseline, withheld below `min_group`.
    public_outcomes: list[dict]
    public_aims: list[dict]

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


def _sentences(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _one_place(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def average(total: int, count: int) -> str:
    return _one_place(Decimal(total) / count) if count else str(NO_ANSWERS)


def signed_average(total: int, count: int) -> str:
    if not count:
        return str(NO_ANSWERS)
    text = _one_place(Decimal(total) / count)
    return text if text.startswith("-") or text == "0.0" else f"+{text}"


def percent(part: int, whole: int) -> str:
    if not whole:
        return str(NOT_DUE)
    share = (Decimal(100) * part / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{share}%"


def pounds(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def _plot(text: str) -> float | str:
    """A cell as a chart draws it: its number, or its words where it has none."""
    try:
        return float(text.rstrip("%").replace(",", ""))
    except ValueError:
        return text


def _asked(placement, instrument: str, today: datetime.date) -> bool:
    """Whether the instrument is open, or was, for the placement."""
    if instrument == Instrument.BASELINE:
        return True  # every confirmed and completed placement had its baseline
    if placement.status != Placement.Status.COMPLETED:
        return False
    if instrument == Instrument.FOLLOW_UP:
        return follow_up_due_on(placement) <= today
    return True


def build_report(
    placements: Iterable[Placement],
    responses: Iterable[dict],
    *,
    today: datetime.date,
    min_group: int,
) -> Report:
    """Every figure of the report. `placements` are the confirmed and completed ones in
    scope, each with `budgeted` and `approved` and its home and host; `responses` are the
    submitted responses to them, as dicts of `placement_id`, `instrument` and ratings."""
    placements = list(placements)
    by_pk = {placement.pk: placement for placement in placements}
    answers: dict[str, dict[int, dict]] = defaultdict(dict)
    for response in responses:
        if response["placement_id"] in by_pk:
            answers[response["instrument"]][response["placement_id"]] = response

    rule = _Withholding(min_group)
    tables = [
        _response_rates(placements, answers, today),
        _distribution(answers, rule),
        _change(answers, rule),
        _aims(answers, rule),
        _reach(placements),
        _by_year(placements, answers),
    ]
    organisations, nations = _reached(placements)
    return Report(
        min_group=min_group,
        placements=len(placements),
        organisations=len(organisations),
        nations=len(nations),
        responses=sum(len(given) for given in answers.values()),
        tables=tables,
        public_outcomes=_public_outcomes(answers, rule),
        public_aims=_public_aims(answers, rule),
    )


@dataclasses.dataclass
class _Withholding:
    """Figures about the ratings of fewer than `min_group` people are withheld."""

    min_group: int

    def hides(self, count: int) -> bool:
        return 0 < count < self.min_group

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


def _reached(placements) -> tuple[set[int], set[str]]:
    """The organisations, and their nations, that sent or hosted the placements."""
    organisations = {p.home_id for p in placements} | {p.host_id for p in placements}
    nations = {p.home.nation for p in placements} | {p.host.nation for p in placements}
    return organisations, nations


def _response_rates(placements, answers, today) -> Table:
    rows = []
    for instrument in Instrument:
        asked = [p.pk for p in placements if _asked(p, instrument, today)]
        answered = sum(1 for pk in asked if pk in answers[instrument])
        rows.append(
            [str(instrument.label), str(len(asked)), str(answered), percent(answered, len(asked))]
        )
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
            groups=[(row[0], [_plot(row[3])]) for row in rows],
            series=[_("Response rate")],
            low=0,
            high=100,
            unit="%",
        ),
    )


def _distribution(answers, rule) -> Table:
    rows, groups = [], []
    for name, label in OUTCOMES.items():
        bars = []
        groups.append((str(label), bars))
        for instrument in Instrument:
            counts = Counter(given[name] for given in answers[instrument].values())
            count = sum(counts.values())
            total = sum(rating * times for rating, times in counts.items())
            row_label = f"{label}: {instrument.label}"
            if rule.hides(count):
                rows.append([row_label, *[str(WITHHELD)] * 5, rule.fewer, str(WITHHELD)])
                bars.append((str(instrument.label), None))
                continue
            rows.append(
                [
                    row_label,
                    *[str(counts[rating]) for rating in SCALE],
                    str(count),
                    average(total, count),
                ]
            )
            bars.append(
                (str(instrument.label), [counts[rating] for rating in SCALE] if count else [])
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


def _change(answers, rule) -> Table:
    rows, groups = [], []
    for name, label in OUTCOMES.items():
        row, values = [str(label)], []
        for later in LATER:
            pairs, before, after = _pairs(answers, later, name)
            if rule.hides(pairs):
                row += [rule.fewer, *[str(WITHHELD)] * 3]
                values.append(str(WITHHELD))
                continue
            change = signed_average(after - before, pairs)
            row += [str(pairs), average(before, pairs), average(after, pairs), change]
            values.append(_plot(change))
        rows.append(row)
        groups.append((str(label), values))
    numbers = [
        abs(value) for _label, values in groups for value in values if isinstance(value, float)
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


def _aims(answers, rule) -> Table:
    rows, groups = [], []
    for name, label in AIMS.items():
        row, values = [str(label)], []
        for instrument in ASKS_AIMS:
            ratings = [given[name] for given in answers[instrument].values()]
            if rule.hides(len(ratings)):
                row += [rule.fewer, str(WITHHELD), str(WITHHELD)]
                values.append(str(WITHHELD))
                continue
            met = _share_high(ratings) if ratings else str(NO_ANSWERS)
            row += [str(len(ratings)), average(sum(ratings), len(ratings)), met]
            values.append(_plot(met))
        rows.append(row)
        groups.append((str(label), values))
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


def _reach(placements) -> Table:
    organisations = defaultdict(set)
    sent, hosted = Counter(), Counter()
    for placement in placements:
        organisations[placement.home.nation].add(placement.home_id)
        organisations[placement.host.nation].add(placement.host_id)
        sent[placement.home.nation] += 1
        hosted[placement.host.nation] += 1
    rows = [
        [str(nation.label), str(len(organisations[nation])), str(sent[nation]), str(hosted[nation])]
        for nation in Nation
    ]
    rows.append(
        [
            _("All nations"),
            str(sum(len(ids) for ids in organisations.values())),
            str(len(placements)),
            str(len(placements)),
        ]
    )
    return Table(
        key="reach",
        caption=_("Organisations and nations reached"),
        headers=[_("Nation"), _("Organisations"), _("Participants sent"), _("Participants hosted")],
        rows=rows,
        note=_("An organisation counts once however many placements it sent or hosted."),
        chart=bar_chart(
            title=_("Organisations taking part, by nation"),
            groups=[(row[0], [int(row[1])]) for row in rows[:-1]],
            series=[_("Organisations")],
            low=0,
            high=max([1, *[int(row[1]) for row in rows[:-1]]]),
        ),
    )


def _by_year(placements, answers) -> Table:
    years = defaultdict(list)
    for placement in placements:
        years[placement.start_on.year].append(placement)
    rows = []
    for year in sorted(years):
        in_year = years[year]
        budgeted = sum((p.budgeted for p in in_year), Decimal(0))
        approved = sum((p.approved for p in in_year), Decimal(0))
        organisations, nations = _reached(in_year)
        post = sum(1 for p in in_year if p.pk in answers[Instrument.POST_EXCHANGE])
        rows.append(
            [
                str(year),
                str(len(in_year)),
                str(len(organisations)),
                str(len(nations)),
                str(post),
                pounds(budgeted),
                pounds(approved),
                pounds(budgeted / len(in_year)),
            ]
        )
    return Table(
        key="by_year",
        caption=_("Year by year: placements, reach and spend"),
        headers=[
            _("Year"),
            _("Placements"),
            _("Organisations"),
            _("Nations"),
            _("Post-exchange evaluations"),
            _("Budget (£)"),
            _("Claims approved (£)"),
            _("Budget per placement (£)"),
        ],
        rows=rows,
        note=_(
            "The budget is what the programme books and allows for each placement (travel, "
            "accommodation, subsistence and other costs); claims approved are what "
            "participants have been repaid within it."
        ),
        chart=bar_chart(
            title=_("Budget per placement by year, in pounds"),
            groups=[(row[0], [_plot(row[7])]) for row in rows],
            series=[_("Budget per placement")],
            low=0,
            high=max([1, *[_plot(row[7]) for row in rows]]),
        ),
    )


def _share_high(ratings: list[int]) -> str:
    """The share rating 4 or 5."""
    return percent(sum(1 for rating in ratings if rating >= 4), len(ratings))


def _public_outcomes(answers, rule) -> list[dict]:
    """After the placement: each outcome's share rated high or very high, and its change
    from the baseline; None where too few answered (none at all included)."""
    rows = []
    for name, label in OUTCOMES.items():
        ratings = [given[name] for given in answers[Instrument.POST_EXCHANGE].values()]
        pairs, before, after = _pairs(answers, Instrument.POST_EXCHANGE, name)
        shown = len(ratings) >= rule.min_group
        rows.append(
            {
                "outcome": label,
                "responses": len(ratings),
                "high": _share_high(ratings) if shown else None,
                "pairs": pairs,
                "change": signed_average(after - before, pairs)
                if pairs >= rule.min_group
                else None,
            }
        )
    return rows


def _public_aims(answers, rule) -> list[dict]:
    rows = []
    for name, label in AIMS.items():
        ratings = [given[name] for given in answers[Instrument.POST_EXCHANGE].values()]
        shown = len(ratings) >= rule.min_group
        rows.append(
            {
                "aim": label,
                "responses": len(ratings),
                "met": _share_high(ratings) if shown else None,
            }
        )
    return rows


def csv_rows(report: Report) -> list[list[str]]:
    """Each table as on the page: its caption, its headers, its rows, then a blank line."""
    rows: list[list[str]] = []
    for table in report.tables:
        rows += [[table.caption], table.headers, *table.rows, []]
    return rows


# --- Charts, drawn by the server as SVG --------------------------------------------------
# Geometry is worked out here, so the template only places what it is given.

WIDTH = 720
LABEL_WIDTH = 300
PLOT_WIDTH = 340
BAR_HEIGHT = 16
LINE_HEIGHT = 14
GROUP_GAP = 12
LEGEND_ROW = 18


def _label(text: str, middle: float) -> list[dict]:
    """A label wrapped to fit left of the plot, its lines centred on `middle`."""
    lines = textwrap.wrap(str(text), width=44) or [""]
    first = middle - (len(lines) - 1) * LINE_HEIGHT / 2 + 4
    return [{"text": line, "y": round(first + i * LINE_HEIGHT, 1)} for i, line in enumerate(lines)]


def _legend(names: list[str], *, key: str) -> list[dict]:
    return [
        {key: index, "text": name, "y": 4 + index * LEGEND_ROW, "text_y": 14 + index * LEGEND_ROW}
        for index, name in enumerate(names)
    ]


def bar_chart(
    *,
    title: str,
    groups: list[tuple[str, list[float | str]]],
    series: list[str],
    low: float,
    high: float,
    unit: str = "",
) -> dict:
    """Horizontal bars, one per series in each group, on a scale from `low` to `high`
    (a bar grows left from zero when its value is negative). Words instead of a number
    draw no bar but the words."""
    span = (high - low) or 1

    def x(value: float) -> float:
        return LABEL_WIDTH + (value - low) / span * PLOT_WIDTH

    zero = x(max(low, 0))
    legend = _legend(series, key="series") if len(series) > 1 else []
    top = len(legend) * LEGEND_ROW + 12
    rows, y = [], top
    for label, values in groups:
        lines = len(textwrap.wrap(str(label), width=44)) or 1
        height = max(len(values) * BAR_HEIGHT, lines * LINE_HEIGHT)
        bars = []
        for index, value in enumerate(values):
            bar_y = y + index * BAR_HEIGHT
            if isinstance(value, str):
                bars.append({"series": index, "y": bar_y, "text": value, "text_x": zero + 4})
                continue
            left, right = sorted((zero, x(value)))
            shown = f"{value:g}{unit}" if low >= 0 else f"{value:+g}"
            bars.append(
                {
                    "series": index,
                    "x": round(left, 1),
                    "y": bar_y,
                    "width": round(max(right - left, 1), 1),
                    "text": shown,
                    "text_x": round(right + 4, 1),
                }
            )
        for bar in bars:
            bar["text_y"] = bar["y"] + 12
        rows.append({"lines": _label(label, y + height / 2), "bars": bars})
        y += height + GROUP_GAP
    return {
        "kind": "bars",
        "title": title,
        "label_x": LABEL_WIDTH - 8,
        "legend_x": LABEL_WIDTH,
        "width": WIDTH,
        "height": y + 12,
        "plot_top": top - 4,
        "plot_bottom": y - GROUP_GAP + 4,
        "zero": round(zero, 1),
        "ticks": [
            {"x": round(x(tick), 1), "text": f"{tick:g}{unit}"}
            for tick in sorted({low, high, *([0] if low < 0 else [])})
        ],
        "legend": legend,
        "rows": rows,
    }


def stacked_chart(
    *, title: str, groups: list[tuple[str, list[tuple[str, list[int] | None]]]], legend: list[str]
) -> dict:
    """For each group (an outcome), one bar per row (an evaluation) split into the shares
    of each rating. No counts draws "no answers"; None draws "withheld"."""
    drawn, y = [], 34
    for heading, rows in groups:
        drawn.append({"heading": heading, "y": y + 12})
        y += BAR_HEIGHT + 4
        for label, counts in rows:
            segments = []
            if counts:
                total, left = sum(counts), LABEL_WIDTH
                for rating, count in enumerate(counts, start=1):
                    width = count / total * PLOT_WIDTH
                    if width:
                        segments.append(
                            {"rating": rating, "x": round(left, 1), "width": round(width, 1)}
                        )
                    left += width
            drawn.append(
                {
                    "lines": _label(label, y + BAR_HEIGHT / 2),
                    "y": y,
                    "segments": segments,
                    "text": "" if counts else str(WITHHELD if counts is None else NO_ANSWERS),
                    "text_y": y + 12,
                }
            )
            y += BAR_HEIGHT + 4
        y += GROUP_GAP
    return {
        "kind": "stacked",
        "title": title,
        "label_x": LABEL_WIDTH - 8,
        "text_x": LABEL_WIDTH + 4,
        "width": WIDTH,
        "height": y,
        "legend": [
            {
                "rating": rating,
                "text": text,
                "x": LABEL_WIDTH + (rating - 1) * 68,
                "text_x": LABEL_WIDTH + (rating - 1) * 68 + 16,
            }
            for rating, text in enumerate(legend, start=1)
        ],
        "rows": drawn,
    }
