"""What every chart shares: the theme, the text helpers, `Chart`, `Table` and `figure_json`."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, cast

import plotly.graph_objects as go
import plotly.io as pio

from assessments.engine.scoring import (
    Band,
)

NOT_ENOUGH_ANSWERS: Final = "Not enough answers to chart yet."
NO_DATA: Final = "No data to chart yet."
INSUFFICIENT: Final = "Insufficient answers"
NO_DISAGREEMENTS: Final = "No item was answered two or more points apart."


# The colour tokens of static/css/fulcrum.css, so badges and charts use bands the same way.
TEXT: Final = "#1a1f24"
GRID: Final = "#dde3e7"
AXIS_LINE: Final = "#7b8791"
ACCENT: Final = "#0e6b78"
ACCENT_LIGHT: Final = "#88ccee"
WHITE: Final = "#ffffff"
TRANSPARENT: Final = "rgba(0,0,0,0)"
PARTNER_A: Final = "#0077BB"


# The stylesheet's partner B orange is also the "imbalanced" band colour, which would make a
# B-leaning bar read as a band; Tol's teal stays apart from every band and from partner A.
PARTNER_B: Final = "#009988"
NEUTRAL: Final = "#bbbbbb"
BAND_COLOURS: Final[Mapping[str, str]] = {
    Band.BALANCED.value: "#4477AA",
    Band.WATCH.value: "#CCBB44",
    Band.IMBALANCED.value: "#EE7733",
    Band.SEVERE.value: "#CC3311",
    "insufficient": NEUTRAL,
}


# Text drawn on a band-coloured bar, with the contrast pairs of the stylesheet's badges.
BAND_TEXT: Final[Mapping[str, str]] = {
    Band.BALANCED.value: WHITE,
    Band.WATCH.value: TEXT,
    Band.IMBALANCED.value: TEXT,
    Band.SEVERE.value: WHITE,
    "insufficient": TEXT,
}
BAND_LABELS: Final[Mapping[str, str]] = {
    Band.BALANCED.value: "Balanced",
    Band.WATCH.value: "Watch",
    Band.IMBALANCED.value: "Imbalanced",
    Band.SEVERE.value: "Severe",
    "insufficient": INSUFFICIENT,
}


# Paul Tol's muted qualitative palette (distinguishable under the common colour-vision
# deficiencies), its cyan, teal and sand darkened to 3:1 against the page (WCAG 1.4.11).
AREA_LINE_COLOURS: Final = (
    "#332288",
    "#117733",
    "#CC6677",
    "#1F78A0",
    "#882255",
    "#2A7F72",
    "#999933",
    "#AA4499",
    "#8C6D1F",
)
# Each area line also has its own dash, so lines are told apart without colour.
AREA_LINE_DASHES: Final = ("solid", "dot", "dash", "longdash", "dashdot", "longdashdot")
# Light bar fills (watch, imbalanced, "insufficient", open assignments) fall below 3:1 against the
# page; a dark outline gives every bar an edge that does not.
BAR_OUTLINE: Final = "#3d4750"
ITEM_LABEL_MAX: Final = 60
_ITEM_LABEL_WRAP: Final = 32
_BAR_ROW_PX: Final = 40
_PLOT_CHROME_PX: Final = 110
TITLE_PX: Final = 48
LEGEND_PX: Final = 36
LEGEND_ROW_PX: Final = 22
MISSING: Final = "—"
_FONT: Final = "system-ui, sans-serif"
_AXIS: Final[Mapping[str, Any]] = {
    "automargin": True,
    "gridcolor": GRID,
    "linecolor": AXIS_LINE,
    "zerolinecolor": AXIS_LINE,
    "title": {"standoff": 8},
}


# A few lines of layout instead of Plotly's default template, which adds ~7 KB to every figure.
_TEMPLATE: Final = go.layout.Template(
    layout={
        "font": {"family": _FONT, "size": 14, "color": TEXT},
        "title": {
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
            "yref": "container",
            "pad": {"t": 12, "l": 4},
            "font": {"size": 16},
        },
        "paper_bgcolor": TRANSPARENT,
        "plot_bgcolor": TRANSPARENT,
        "margin": {"l": 8, "r": 16, "t": 48, "b": 8},
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "yanchor": "top"},
        # Hover labels otherwise take each trace's colour, with white text on teal or yellow.
        "hoverlabel": {"bgcolor": WHITE, "bordercolor": AXIS_LINE, "font": {"color": TEXT}},
    }
)


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    summary: str
    figure: go.Figure
    table: Table


def figure_json(chart: Chart) -> dict[str, Any]:
    # to_json rather than to_plotly_json: it turns any numpy value into plain JSON types.
    return cast(dict[str, Any], json.loads(pio.to_json(chart.figure, validate=False)))


@dataclass(frozen=True)
class ChartView:
    """A chart with its figure serialised once, as the page template includes it."""

    chart: Chart
    figure: dict[str, Any]

    @classmethod
    def of(cls, chart: Chart) -> ChartView:
        return cls(chart, figure_json(chart))

    @property
    def figure_id(self) -> str:
        return f"{self.chart.key}-data"


def _rounded(value: float, places: int = 0) -> Decimal:
    # Half away from zero, as the scoring engine rounds, so a chart never shows 62 where a topic
    # rationale says 63 for the same wellbeing of 62.5.
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def whole(value: float) -> str:
    return str(int(_rounded(value)))


def signed(value: float) -> str:
    rounded = _rounded(value, 2)
    return "0.00" if rounded == 0 else f"{rounded:+.2f}"


def unsigned(value: float) -> str:
    return f"{_rounded(value, 2):.2f}"


def percent(value: float) -> str:
    return f"{whole(value)}%"


def opt_whole(value: float | None) -> str:
    return MISSING if value is None else whole(value)


def plot_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int = ITEM_LABEL_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def wrapped(text: str, width: int) -> str:
    # Long labels squeeze the plot to nothing on a phone; Plotly never wraps them itself.
    lines = textwrap.wrap(text, width) or [""]
    return "<br>".join(plot_text(line) for line in lines)


def item_label(text: str) -> str:
    return wrapped(shorten(text), _ITEM_LABEL_WRAP)


def unique_labels(labels: Sequence[str]) -> list[str]:
    # Category axes merge equal labels, which would draw two items on one row.
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def join_words(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def band_key(band: Band | None) -> str:
    return "insufficient" if band is None else band.value


def bar_height(rows: int, *, row_px: int = _BAR_ROW_PX, extra: int = 0) -> int:
    return _PLOT_CHROME_PX + row_px * max(rows, 1) + extra


def plot_layout(
    title: str, *, height: int, with_legend: bool = False, **parts: Any
) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "template": _TEMPLATE,
        "title": {"text": plot_text(title)},
        "height": height,
        "showlegend": with_legend,
        "margin": {"t": TITLE_PX + (LEGEND_PX if with_legend else 0)},
    }
    if with_legend:
        # Placed in pixels under the title: a legend in plot coordinates drifts into the title
        # or the plot as the height changes.
        layout["legend"] = {"yref": "container", "y": round(1 - TITLE_PX / height, 3)}
    return layout | parts


def axis(title: str, **parts: Any) -> dict[str, Any]:
    return {"title": {"text": plot_text(title)}, **parts}


def category_axis(title: str) -> dict[str, Any]:
    # Reversed so the first row of the table is also the top row of the chart.
    return axis(title, type="category", autorange="reversed")


def count_axis(title: str, counts: Iterable[int]) -> dict[str, Any]:
    # Below ten Plotly would pick ticks of 0.5, which reads as half a couple.
    top = max(counts, default=0)
    return axis(title, rangemode="tozero", dtick=1 if top <= 10 else None, tickformat="d")


def bar_labels(
    values: Sequence[float], labels: Sequence[str], inside: Sequence[str] | None = None
) -> dict[str, Any]:
    """Text attributes of a bar trace: the label inside the bar when it fits, else beside it."""
    return {
        "text": list(labels),
        # Plotly draws no "auto" text on a zero-length bar, which would hide "Insufficient answers".
        "textposition": ["outside" if value == 0 else "auto" for value in values],
        "textangle": 0,
        "insidetextfont": {"color": list(inside) if inside else WHITE},
        "outsidetextfont": {"color": TEXT},
        "cliponaxis": False,
    }


def make_chart(
    *,
    key: str,
    title: str,
    summary: str,
    traces: Sequence[Any],
    layout: dict[str, Any],
    table: Table,
) -> Chart:
    figure = go.Figure(data=list(traces), layout=layout)
    figure.update_traces(
        marker_line_color=BAR_OUTLINE, marker_line_width=1, selector={"type": "bar"}
    )
    if not traces:
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
        figure.add_annotation(
            text=plot_text(summary), showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5
        )
    return Chart(key=key, title=title, summary=summary, figure=figure, table=table)
