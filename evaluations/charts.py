"""Charts drawn by the server as SVG: the geometry is worked out here, from numbers,
so the template (evaluations/_chart.html) only places what it is given. A chart says
nothing of its own: its title, labels and any words in place of a number come from
the caller (reports.py)."""

import textwrap

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
    rows: list[dict] = []
    y = top
    for label, values in groups:
        lines = len(textwrap.wrap(str(label), width=44)) or 1
        height = max(len(values) * BAR_HEIGHT, lines * LINE_HEIGHT)
        bars: list[dict] = []
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
        for index, bar in enumerate(bars):
            bar["text_y"] = y + index * BAR_HEIGHT + 12
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
    *, title: str, groups: list[tuple[str, list[tuple[str, list[int] | str]]]], legend: list[str]
) -> dict:
    """For each group (an outcome), one bar per row (an evaluation) split into the shares
    of each rating; a row given words instead of counts draws the words."""
    drawn: list[dict] = []
    y = 34
    for heading, rows in groups:
        drawn.append({"heading": heading, "y": y + 12})
        y += BAR_HEIGHT + 4
        for label, counts in rows:
            segments = []
            if not isinstance(counts, str):
                total = sum(counts)
                left: float = LABEL_WIDTH
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
                    "text": counts if isinstance(counts, str) else "",
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
