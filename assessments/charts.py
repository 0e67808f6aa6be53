"""Pure chart builders: scoring results and database aggregates in, Plotly figures out.

Nothing here touches Django or the database, so every chart is tested in milliseconds. Each `Chart`
carries its figure together with a text summary and a data table: the summary and table are the
accessible alternative to the figure, so they hold the same numbers, formatted as text.

Strings that reach a figure are escaped for Plotly's pseudo-HTML (it renders `<b>`, `<br>`, `<a>`
in labels); table cells and summaries stay raw, because the page template escapes them itself.
"""

from __future__ import annotations

import itertools
import json
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, cast

import plotly.graph_objects as go
import plotly.io as pio

from assessments.scoring import AreaResult, Band, ComparisonResult, ItemDisagreement, TrendPoint

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
_BAND_TEXT: Final[Mapping[str, str]] = {
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
# Paul Tol's muted qualitative palette: distinguishable under the common colour-vision deficiencies.
AREA_LINE_COLOURS: Final = (
    "#332288",
    "#117733",
    "#CC6677",
    "#88CCEE",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#DDCC77",
)

ITEM_LABEL_MAX: Final = 60
_ITEM_LABEL_WRAP: Final = 32
_TREND_VISIBLE_AREAS: Final = 3
_BAR_ROW_PX: Final = 40
_PLOT_CHROME_PX: Final = 110
_TITLE_PX: Final = 48
_LEGEND_PX: Final = 36
_LEGEND_ROW_PX: Final = 22
_RADAR_LABEL_WRAP: Final = 18
_MISSING: Final = "—"
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


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------


def _rounded(value: float, places: int = 0) -> Decimal:
    # Half away from zero, as the scoring engine rounds, so a chart never shows 62 where a topic
    # rationale says 63 for the same wellbeing of 62.5.
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _whole(value: float) -> str:
    return str(int(_rounded(value)))


def _signed(value: float) -> str:
    rounded = _rounded(value, 2)
    return "0.00" if rounded == 0 else f"{rounded:+.2f}"


def _unsigned(value: float) -> str:
    return f"{_rounded(value, 2):.2f}"


def _percent(value: float) -> str:
    return f"{_whole(value)}%"


def _opt_whole(value: float | None) -> str:
    return _MISSING if value is None else _whole(value)


def _plot_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _short(text: str, limit: int = ITEM_LABEL_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _wrapped(text: str, width: int) -> str:
    # Long labels squeeze the plot to nothing on a phone; Plotly never wraps them itself.
    lines = textwrap.wrap(text, width) or [""]
    return "<br>".join(_plot_text(line) for line in lines)


def _item_label(text: str) -> str:
    return _wrapped(_short(text), _ITEM_LABEL_WRAP)


def _unique(labels: Sequence[str]) -> list[str]:
    # Category axes merge equal labels, which would draw two items on one row.
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _band_key(band: Band | None) -> str:
    return "insufficient" if band is None else band.value


# --------------------------------------------------------------------------------------------
# Figure scaffolding
# --------------------------------------------------------------------------------------------


def _bar_height(rows: int, *, row_px: int = _BAR_ROW_PX, extra: int = 0) -> int:
    return _PLOT_CHROME_PX + row_px * max(rows, 1) + extra


def _layout(title: str, *, height: int, with_legend: bool = False, **parts: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "template": _TEMPLATE,
        "title": {"text": _plot_text(title)},
        "height": height,
        "showlegend": with_legend,
        "margin": {"t": _TITLE_PX + (_LEGEND_PX if with_legend else 0)},
    }
    if with_legend:
        # Placed in pixels under the title: a legend in plot coordinates drifts into the title
        # or the plot as the height changes.
        layout["legend"] = {"yref": "container", "y": round(1 - _TITLE_PX / height, 3)}
    return layout | parts


def _axis(title: str, **parts: Any) -> dict[str, Any]:
    return {"title": {"text": _plot_text(title)}, **parts}


def _category_axis(title: str) -> dict[str, Any]:
    # Reversed so the first row of the table is also the top row of the chart.
    return _axis(title, type="category", autorange="reversed")


def _count_axis(title: str, counts: Iterable[int]) -> dict[str, Any]:
    # Below ten Plotly would pick ticks of 0.5, which reads as half a couple.
    top = max(counts, default=0)
    return _axis(title, rangemode="tozero", dtick=1 if top <= 10 else None, tickformat="d")


def _bar_labels(
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


def _chart(
    *,
    key: str,
    title: str,
    summary: str,
    traces: Sequence[Any],
    layout: dict[str, Any],
    table: Table,
) -> Chart:
    figure = go.Figure(data=list(traces), layout=layout)
    if not traces:
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
        figure.add_annotation(
            text=_plot_text(summary), showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5
        )
    return Chart(key=key, title=title, summary=summary, figure=figure, table=table)


# --------------------------------------------------------------------------------------------
# Couple report
# --------------------------------------------------------------------------------------------


def _area_titles(result: ComparisonResult, area_titles: Mapping[str, str] | None) -> dict[str, str]:
    overrides = area_titles or {}
    return {area.slug: overrides.get(area.slug, area.title) for area in result.areas}


def _is_scored(area: AreaResult) -> bool:
    return area.scored and area.index is not None


def _ranking_order(areas: Sequence[AreaResult]) -> list[AreaResult]:
    scored = [area for area in areas if _is_scored(area)]
    # Stable, like the engine's ranking: equal indices keep instrument order.
    scored.sort(key=lambda area: -cast(int, area.index))
    return scored + [area for area in areas if not _is_scored(area)]


def _ranking_summary(
    ranked: Sequence[AreaResult], overall: tuple[int | None, Band | None], titles: Mapping[str, str]
) -> str:
    index, band = overall
    scored = [area for area in ranked if _is_scored(area)]
    if not scored:
        return NOT_ENOUGH_ANSWERS
    top = scored[0]
    top_band = BAND_LABELS[_band_key(top.band)]
    sentences = [f"Highest imbalance: {titles[top.slug]} at {top.index} ({top_band})."]
    if index is not None:
        band_label = BAND_LABELS[_band_key(band)]
        sentences.insert(0, f"Overall balance index {index} ({band_label}).")
    missing = [titles[area.slug] for area in ranked if not _is_scored(area)]
    if missing:
        sentences.append(f"{INSUFFICIENT} in {_join(missing)}.")
    return " ".join(sentences)


def _area_ranking(
    areas: Sequence[AreaResult],
    overall: tuple[int | None, Band | None],
    titles: Mapping[str, str],
    names: tuple[str, str],
) -> Chart:
    ranked = _ranking_order(areas)
    bands = [_band_key(area.band) for area in ranked]
    labels = [
        INSUFFICIENT if area.index is None else f"{area.index} ({BAND_LABELS[band]})"
        for area, band in zip(ranked, bands, strict=True)
    ]
    traces = []
    if ranked:
        traces.append(
            go.Bar(
                orientation="h",
                x=[area.index or 0 for area in ranked],
                y=[_plot_text(titles[area.slug]) for area in ranked],
                marker={"color": [BAND_COLOURS[band] for band in bands]},
                **_bar_labels(
                    [area.index or 0 for area in ranked], labels, [_BAND_TEXT[b] for b in bands]
                ),
                hovertemplate="%{y}: %{text}<extra></extra>",
                name="Imbalance index",
            )
        )
    rows = tuple(
        (
            titles[area.slug],
            _opt_whole(area.index),
            BAND_LABELS[band],
            f"{area.answered_a} of {area.item_count}",
            f"{area.answered_b} of {area.item_count}",
        )
        for area, band in zip(ranked, bands, strict=True)
    )
    table = Table(
        caption="Imbalance index per area, highest first",
        columns=(
            "Area",
            "Imbalance index",
            "Band",
            f"Items answered by {names[0]}",
            f"Items answered by {names[1]}",
        ),
        rows=rows,
    )
    title = "Areas ranked by imbalance index"
    layout = _layout(
        title,
        height=_bar_height(len(ranked)),
        xaxis=_axis("Imbalance index (0-100)", range=[0, 100]),
        yaxis=_category_axis("Area"),
    )
    summary = _ranking_summary(ranked, overall, titles)
    return _chart(
        key="area-ranking", title=title, summary=summary, traces=traces, layout=layout, table=table
    )


def _holder(area: AreaResult, names: tuple[str, str]) -> str:
    if area.direction == "a":
        return names[0]
    if area.direction == "b":
        return names[1]
    return "Neither (about equal)"


def _direction_colour(area: AreaResult) -> str:
    return {"a": PARTNER_A, "b": PARTNER_B}.get(area.direction or "equal", NEUTRAL)


def _balance_summary(
    areas: Sequence[AreaResult], names: tuple[str, str], titles: Mapping[str, str]
) -> str:
    if not areas:
        return NOT_ENOUGH_ANSWERS
    strongest = max(areas, key=lambda area: abs(area.consensual or 0))
    widest = max(areas, key=lambda area: area.perception_gap or 0)
    if strongest.direction in ("a", "b"):
        c = _signed(strongest.consensual or 0)
        lead = (
            f"The clearest imbalance is in {titles[strongest.slug]}, where"
            f" {_holder(strongest, names)} holds more say (c = {c})."
        )
    else:
        lead = "Neither partner holds clearly more say in any area."
    if not widest.perception_gap:
        return f"{lead} The partners agree on who holds the say in every area."
    return (
        f"{lead} They see {titles[widest.slug]} most differently"
        f" (gap {_unsigned(widest.perception_gap)})."
    )


def _balance_hover(area: AreaResult, names: tuple[str, str]) -> str:
    say = (
        "about equal" if area.direction not in ("a", "b") else f"{_holder(area, names)} holds more"
    )
    text = (
        f"c = {_signed(area.consensual or 0)}, {say}; gap {_unsigned(area.perception_gap or 0)};"
        f" {names[0]}'s view {_signed(area.p_a or 0)}, {names[1]}'s view {_signed(area.p_b or 0)}"
    )
    return _plot_text(text)


def _balance_bars(
    areas: Sequence[AreaResult], names: tuple[str, str], titles: Mapping[str, str]
) -> Chart:
    y = [_plot_text(titles[area.slug]) for area in areas]
    c = [area.consensual or 0.0 for area in areas]
    traces = []
    if areas:
        colours = [_direction_colour(area) for area in areas]
        traces = [
            go.Bar(
                orientation="h",
                x=c,
                y=y,
                name="Who holds more say",
                marker={"color": colours},
                **_bar_labels(
                    c,
                    [f"gap {_unsigned(area.perception_gap or 0)}" for area in areas],
                    # White only on partner A's blue: the teal and the grey need dark text.
                    [WHITE if colour == PARTNER_A else TEXT for colour in colours],
                ),
                # Each partner's own view lives in the hover and the table: markers drawn on the
                # bars collided with the gap labels.
                customdata=[_balance_hover(area, names) for area in areas],
                hovertemplate="%{y}: %{customdata}<extra></extra>",
            )
        ]
    rows = tuple(
        (
            titles[area.slug],
            _signed(area.consensual or 0),
            _holder(area, names),
            _unsigned(area.perception_gap or 0),
            _signed(area.p_a or 0),
            _signed(area.p_b or 0),
        )
        for area in areas
    )
    table = Table(
        caption=f"Who holds more say per area (c from -1, all {names[1]}, to +1, all {names[0]})",
        columns=(
            "Area",
            "Consensual imbalance c",
            "Who holds more say",
            "Perception gap",
            f"{names[0]}'s view p",
            f"{names[1]}'s view p",
        ),
        rows=rows,
    )
    title = "Who holds more say, per area"
    layout = _layout(
        title,
        # One more line of tick labels: the partners' names under the axis ends.
        height=_bar_height(len(areas), extra=_LEGEND_ROW_PX),
        xaxis=_axis(
            "Who holds more say (c)",
            # The names under the end ticks stick out sideways; let them push the side margins.
            automargin=True,
            ticklabeloverflow="allow",
            range=[-1, 1],
            tickvals=[-1, -0.5, 0, 0.5, 1],
            # The partner's name under each end says which way the bars point.
            ticktext=[
                f"-1<br>← {_plot_text(names[1])}",
                "-0.5",
                "0",
                "+0.5",
                f"+1<br>{_plot_text(names[0])} →",
            ],
            zeroline=True,
            zerolinewidth=2,
        ),
        yaxis=_category_axis("Area"),
    )
    summary = _balance_summary(areas, names, titles)
    return _chart(
        key="balance-bars", title=title, summary=summary, traces=traces, layout=layout, table=table
    )


def _radar_trace(
    areas: Sequence[AreaResult],
    theta: Sequence[str],
    name: str,
    values: Sequence[float],
    *,
    a: bool,
) -> Any:
    colour, fill = (PARTNER_A, "rgba(0,119,187,0.12)") if a else (PARTNER_B, "rgba(0,153,136,0.12)")
    return go.Scatterpolar(
        r=list(values),
        theta=list(theta),
        name=_plot_text(name),
        mode="lines+markers",
        fill="toself",
        fillcolor=fill,
        line={"color": colour, "width": 2},
        marker={"symbol": "circle" if a else "diamond", "size": 9, "color": colour},
        customdata=[
            _whole(value) + (", meaningful gap" if area.meaningful_gap else "")
            for area, value in zip(areas, values, strict=True)
        ],
        hovertemplate="%{fullData.name}, %{theta}: %{customdata}<extra></extra>",
    )


def _radar_summary(
    areas: Sequence[AreaResult], names: tuple[str, str], titles: Mapping[str, str]
) -> str:
    if not areas:
        return NOT_ENOUGH_ANSWERS
    lowest = min(
        ((value, name, area) for area in areas for value, name in _wellbeing_pairs(area, names)),
        key=lambda triple: triple[0],
    )
    value, name, area = lowest
    lead = f"Lowest wellbeing: {name} in {titles[area.slug]} ({_whole(value)} of 100)."
    gaps = [titles[area.slug] for area in areas if area.meaningful_gap]
    if gaps:
        return f"{lead} Meaningful gap between the partners in {_join(gaps)}."
    return f"{lead} No area shows a meaningful gap between the partners."


def _wellbeing_pairs(area: AreaResult, names: tuple[str, str]) -> list[tuple[float, str]]:
    return [(area.wellbeing_a or 0.0, names[0]), (area.wellbeing_b or 0.0, names[1])]


def _wellbeing_radar(
    areas: Sequence[AreaResult], names: tuple[str, str], titles: Mapping[str, str]
) -> Chart:
    theta = [_wrapped(titles[area.slug], _RADAR_LABEL_WRAP) for area in areas]
    traces = []
    if areas:
        traces = [
            _radar_trace(areas, theta, names[0], [a.wellbeing_a or 0.0 for a in areas], a=True),
            _radar_trace(areas, theta, names[1], [a.wellbeing_b or 0.0 for a in areas], a=False),
        ]
    rows = tuple(
        (
            titles[area.slug],
            _whole(area.wellbeing_a or 0),
            _whole(area.wellbeing_b or 0),
            "yes" if area.meaningful_gap else "",
        )
        for area in areas
    )
    table = Table(
        caption="Wellbeing per area (0 to 100, higher is healthier)",
        columns=("Area", f"{names[0]}'s wellbeing", f"{names[1]}'s wellbeing", "Meaningful gap"),
        rows=rows,
    )
    title = "Wellbeing per area"
    layout = _layout(
        title,
        height=480,
        with_legend=bool(areas),
        # Room around the circle for the area names, which sit outside it.
        margin={"t": _TITLE_PX + _LEGEND_PX + 28, "l": 72, "r": 72, "b": 40},
        polar={
            "bgcolor": TRANSPARENT,
            "radialaxis": {
                "gridcolor": GRID,
                "linecolor": AXIS_LINE,
                "range": [0, 100],
                "tickvals": [0, 25, 50, 75, 100],
                "title": {"text": "Wellbeing (0-100)", "font": {"size": 12}},
                "side": "counterclockwise",
                "angle": 90,
                "tickangle": 90,
            },
            "angularaxis": {
                "gridcolor": GRID,
                "linecolor": AXIS_LINE,
                "direction": "clockwise",
                "rotation": 90,
            },
        },
    )
    summary = _radar_summary(areas, names, titles)
    return _chart(
        key="wellbeing-radar",
        title=title,
        summary=summary,
        traces=traces,
        layout=layout,
        table=table,
    )


def _shareable(disagreements: Iterable[ItemDisagreement]) -> list[ItemDisagreement]:
    # The engine already leaves safety items out; checked again because a leak here would show
    # one partner's safety answer to a reader of the report.
    return [item for item in disagreements if item.sensitivity != "safety"]


def _dumbbell_traces(items: Sequence[ItemDisagreement], names: tuple[str, str]) -> list[Any]:
    y = _unique([_item_label(item.text) for item in items])
    line_x: list[int | None] = []
    line_y: list[str | None] = []
    for item, label in zip(items, y, strict=True):
        line_x += [item.keyed_a, item.keyed_b, None]
        line_y += [label, label, None]
    connector = go.Scatter(
        x=line_x,
        y=line_y,
        mode="lines",
        line={"color": AXIS_LINE, "width": 3},
        hoverinfo="skip",
        showlegend=False,
        name="Difference",
    )
    return [connector] + [
        go.Scatter(
            x=[item.keyed_a if a else item.keyed_b for item in items],
            y=y,
            mode="markers",
            name=_plot_text(name),
            marker={"symbol": "circle" if a else "diamond", "size": 13, "color": colour},
            hovertemplate="%{fullData.name}: %{x}<extra></extra>",
        )
        for name, colour, a in ((names[0], PARTNER_A, True), (names[1], PARTNER_B, False))
    ]


def _disagreement_summary(items: Sequence[ItemDisagreement], names: tuple[str, str]) -> str:
    if not items:
        return NO_DISAGREEMENTS
    top = items[0]
    return (
        f"{_plural(len(items), 'item')} answered two or more points apart. The largest difference"
        f" is on “{_short(top.text)}” ({names[0]} {top.keyed_a}, {names[1]} {top.keyed_b})."
    )


def _disagreements(
    disagreements: Sequence[ItemDisagreement],
    names: tuple[str, str],
    titles: Mapping[str, str],
    *,
    scored: bool,
) -> Chart:
    items = _shareable(disagreements)
    traces = _dumbbell_traces(items, names) if items else []
    rows = tuple(
        (
            item.text,
            titles.get(item.area, item.area),
            str(item.keyed_a),
            str(item.keyed_b),
            str(item.difference),
        )
        for item in items
    )
    table = Table(
        caption="Items the partners answered most differently (keyed 1-5, 5 = healthiest)",
        columns=("Item", "Area", names[0], names[1], "Difference"),
        rows=rows,
    )
    title = "Items the partners answered most differently"
    layout = _layout(
        title,
        # Item labels wrap to two lines, so the rows are taller than an area's.
        height=_bar_height(len(items), row_px=56, extra=_LEGEND_PX),
        with_legend=bool(items),
        xaxis=_axis("Keyed answer (1-5)", range=[0.5, 5.5], tickvals=[1, 2, 3, 4, 5]),
        yaxis=_category_axis("Item"),
    )
    summary = _disagreement_summary(items, names) if scored else NOT_ENOUGH_ANSWERS
    return _chart(
        key="disagreements", title=title, summary=summary, traces=traces, layout=layout, table=table
    )


def _pca_summary(
    shown: Sequence[AreaResult], omitted: Sequence[AreaResult], titles: Mapping[str, str]
) -> str:
    if not shown and not omitted:
        return NOT_ENOUGH_ANSWERS
    sentences = []
    if shown:
        low = min(shown, key=lambda area: area.pca or 0)
        high = max(shown, key=lambda area: area.pca or 0)
        sentences.append(
            "Both partners answered on the healthy side for"
            f" {_percent(high.pca or 0)} of wellbeing items in {titles[high.slug]}"
            + ("" if low is high else f", and for {_percent(low.pca or 0)} in {titles[low.slug]}")
            + "."
        )
    if omitted:
        names = _join([titles[area.slug] for area in omitted])
        sentences.append(f"Not shown for {names}: not enough answers from both partners.")
    return " ".join(sentences)


def _pca(areas: Sequence[AreaResult], titles: Mapping[str, str]) -> Chart:
    shown = [area for area in areas if area.pca is not None]
    omitted = [area for area in areas if area.pca is None]
    traces = []
    if shown:
        traces.append(
            go.Bar(
                orientation="h",
                x=[area.pca for area in shown],
                y=[_plot_text(titles[area.slug]) for area in shown],
                name="Positive couple agreement",
                marker={"color": ACCENT},
                **_bar_labels(
                    [area.pca or 0 for area in shown], [_percent(area.pca or 0) for area in shown]
                ),
                hovertemplate="%{y}: %{text}<extra></extra>",
            )
        )
    table = Table(
        caption="Positive couple agreement: wellbeing items both partners answered healthily",
        columns=("Area", "Positive couple agreement"),
        rows=tuple((titles[area.slug], _percent(area.pca or 0)) for area in shown),
    )
    title = "Positive couple agreement per area"
    layout = _layout(
        title,
        height=_bar_height(len(shown)),
        xaxis=_axis("Items both answered on the healthy side (%)", range=[0, 100]),
        yaxis=_category_axis("Area"),
    )
    summary = _pca_summary(shown, omitted, titles)
    return _chart(
        key="pca", title=title, summary=summary, traces=traces, layout=layout, table=table
    )


def report_charts(
    result: ComparisonResult,
    *,
    names: tuple[str, str] = ("Partner A", "Partner B"),
    area_titles: Mapping[str, str] | None = None,
) -> tuple[Chart, ...]:
    """The couple report's charts: ranking, balance, wellbeing, disagreements, agreement."""
    titles = _area_titles(result, area_titles)
    anything_scored = any(_is_scored(area) for area in result.areas)
    # With nothing scored every chart would be empty or all grey, so all say so the same way.
    areas = result.areas if anything_scored else ()
    scored = [area for area in areas if _is_scored(area)]
    disagreements = result.disagreements if anything_scored else ()
    return (
        _area_ranking(areas, (result.overall_index, result.overall_band), titles, names),
        _balance_bars(scored, names, titles),
        _wellbeing_radar(scored, names, titles),
        _disagreements(disagreements, names, titles, scored=anything_scored),
        _pca(areas, titles),
    )


# --------------------------------------------------------------------------------------------
# Trend over re-assessments
# --------------------------------------------------------------------------------------------


def _trend_slugs(points: Sequence[TrendPoint]) -> list[str]:
    slugs: dict[str, None] = {}
    for point in points:
        slugs.update((slug, None) for slug, _ in point.area_indices)
    return list(slugs)


def _latest(points: Sequence[TrendPoint], slug: str) -> int:
    for point in reversed(points):
        value = dict(point.area_indices).get(slug)
        if value is not None:
            return value
    return -1


def _visible_areas(points: Sequence[TrendPoint], slugs: Sequence[str]) -> set[str]:
    # Nine area lines at once are unreadable; the areas that are worst now stay on by default.
    by_latest = sorted(slugs, key=lambda slug: -_latest(points, slug))
    return set(by_latest[:_TREND_VISIBLE_AREAS])


def _trend_marks(flags: Sequence[bool], colour: str, size: int, *, grow: bool) -> dict[str, Any]:
    """Marker, hover and data of a trend line, with reliable changes as stars."""
    # No <extra></extra>: Plotly's side box already names the line, and the figure stays smaller.
    if not any(flags):
        # Scalars instead of per-point lists keep a nine-area trend figure small.
        marker = {"color": colour, "symbol": "circle", "size": size}
        return {"marker": marker, "hovertemplate": "%{x}: %{y}"}
    marker = {
        "color": colour,
        "symbol": ["star" if flag else "circle" for flag in flags],
        "size": [2 * size if flag else size for flag in flags] if grow else size,
    }
    return {
        "marker": marker,
        "customdata": [", reliable change" if flag else "" for flag in flags],
        "hovertemplate": "%{x}: %{y}%{customdata}",
    }


def _trend_area_trace(
    points: Sequence[TrendPoint], slug: str, title: str, colour: str, *, visible: bool
) -> Any:
    return go.Scatter(
        x=[_plot_text(point.label) for point in points],
        y=[dict(point.area_indices).get(slug) for point in points],
        name=_plot_text(title),
        mode="lines+markers",
        # A marker at 0 sits on the plot edge; unclipped, it stays whole.
        cliponaxis=False,
        line={"color": colour, "width": 1.5},
        visible=None if visible else "legendonly",
        **_trend_marks(
            [slug in point.area_reliable_changes for point in points], colour, 8, grow=False
        ),
    )


def _trend_overall_trace(points: Sequence[TrendPoint]) -> Any:
    return go.Scatter(
        x=[_plot_text(point.label) for point in points],
        y=[point.overall_index for point in points],
        name="Overall balance index",
        mode="lines+markers",
        cliponaxis=False,
        line={"color": ACCENT, "width": 4},
        # First in the legend, yet drawn last so the area lines never cover it.
        legendrank=1,
        **_trend_marks([point.overall_reliable_change for point in points], ACCENT, 9, grow=True),
    )


def _trend_summary(points: Sequence[TrendPoint]) -> str:
    known = [
        (point.label, point.overall_index) for point in points if point.overall_index is not None
    ]
    if not known:
        return NOT_ENOUGH_ANSWERS
    first_label, first = known[0]
    if len(known) == 1:
        return f"The overall balance index is {first} ({first_label}); re-assess to see a trend."
    last_label, last = known[-1]
    lead = f"The overall balance index went from {first} ({first_label}) to {last} ({last_label})."
    reliable = [point.label for point in points if point.overall_reliable_change]
    if reliable:
        return f"{lead} Reliable change at {_join(reliable)}."
    return f"{lead} None of the changes is a reliable change."


def _trend_cell(point: TrendPoint, slug: str) -> str:
    value = _opt_whole(dict(point.area_indices).get(slug))
    return f"{value} (reliable change)" if slug in point.area_reliable_changes else value


def trend_chart(
    points: Sequence[TrendPoint], *, area_titles: Mapping[str, str] | None = None
) -> Chart:
    """The overall index and each area's index across re-assessments, reliable changes starred."""
    charted = any(point.overall_index is not None for point in points)
    slugs = _trend_slugs(points) if charted else []
    titles = {
        slug: (area_titles or {}).get(slug, slug.replace("-", " ").capitalize()) for slug in slugs
    }
    visible = _visible_areas(points, slugs)
    traces = []
    if charted:
        traces = [
            _trend_area_trace(
                points,
                slug,
                titles[slug],
                AREA_LINE_COLOURS[position % len(AREA_LINE_COLOURS)],
                visible=slug in visible,
            )
            for position, slug in enumerate(slugs)
        ] + [_trend_overall_trace(points)]
    rows = tuple(
        (
            point.label,
            _opt_whole(point.overall_index),
            "yes" if point.overall_reliable_change else "",
            *(_trend_cell(point, slug) for slug in slugs),
        )
        for point in (points if charted else ())
    )
    table = Table(
        caption="Balance index per assessment (reliable change against the assessment before)",
        columns=("Assessment", "Overall index", "Reliable change", *(titles[s] for s in slugs)),
        rows=rows,
    )
    title = "Balance index over re-assessments"
    # One legend row per line, under the plot: nine area names never fit across a phone.
    legend_px = _LEGEND_ROW_PX * len(traces)
    layout = _layout(
        title,
        height=340 + legend_px,
        showlegend=bool(traces),
        legend={"orientation": "v", "yref": "container", "y": 0, "yanchor": "bottom"},
        margin={"t": _TITLE_PX, "b": 16 + legend_px},
        xaxis=_axis("Assessment", type="category"),
        yaxis=_axis("Index (0-100)", range=[0, 100]),
    )
    summary = _trend_summary(points)
    return _chart(
        key="trend", title=title, summary=summary, traces=traces, layout=layout, table=table
    )


# --------------------------------------------------------------------------------------------
# Practice dashboard (aggregates only: no names, no answers)
# --------------------------------------------------------------------------------------------


def _share_of(count: int, total: int) -> str:
    return _MISSING if total <= 0 else _percent(100 * count / total)


def _funnel_summary(stages: Sequence[tuple[str, int]]) -> str:
    if not stages:
        return NO_DATA
    (first_label, first), (last_label, last) = stages[0], stages[-1]
    lead = f"{first} at “{first_label}”; {last} ({_share_of(last, first)}) reached “{last_label}”."
    drops = [
        (before[1] - after[1], before[0], after[0]) for before, after in itertools.pairwise(stages)
    ]
    drop, before, after = max(drops, key=lambda d: d[0], default=(0, "", ""))
    if drop <= 0:
        return lead
    return f"{lead} The largest drop, {drop}, is from “{before}” to “{after}”."


def funnel_chart(stages: Sequence[tuple[str, int]]) -> Chart:
    """How many assessments reached each stage, from assigned to compared."""
    traces = []
    if stages:
        traces.append(
            go.Funnel(
                y=[_plot_text(label) for label, _ in stages],
                x=[count for _, count in stages],
                name="Assessments",
                textinfo="value+percent initial",
                marker={"color": ACCENT},
                connector={"fillcolor": GRID},
                insidetextfont={"color": WHITE},
                outsidetextfont={"color": TEXT},
                hovertemplate="%{y}: %{x}<extra></extra>",
            )
        )
    first = stages[0][1] if stages else 0
    table = Table(
        caption="Assessments per stage",
        columns=("Stage", "Assessments", "Share of first stage"),
        rows=tuple((label, str(count), _share_of(count, first)) for label, count in stages),
    )
    title = "Assessment completion"
    layout = _layout(
        title,
        height=_bar_height(len(stages)),
        xaxis=_axis("Assessments", rangemode="tozero"),
        yaxis=_axis("Stage", type="category"),
    )
    return _chart(
        key="completion-funnel",
        title=title,
        summary=_funnel_summary(stages),
        traces=traces,
        layout=layout,
        table=table,
    )


def top_areas_chart(counts: Sequence[tuple[str, int]]) -> Chart:
    """How many couples have each area as their top imbalance area, most common first."""
    ordered = sorted(counts, key=lambda pair: -pair[1])
    traces = []
    if ordered:
        traces.append(
            go.Bar(
                orientation="h",
                x=[count for _, count in ordered],
                y=[_plot_text(title) for title, _ in ordered],
                name="Couples",
                marker={"color": ACCENT},
                **_bar_labels(
                    [count for _, count in ordered], [str(count) for _, count in ordered]
                ),
                hovertemplate="%{y}: %{x}<extra></extra>",
            )
        )
    total = sum(count for _, count in ordered)
    table = Table(
        caption="Couples per top imbalance area",
        columns=("Area", "Couples", "Share of couples"),
        rows=tuple((title, str(count), _share_of(count, total)) for title, count in ordered),
    )
    summary = (
        f"{ordered[0][0]} is the top imbalance area for the most couples"
        f" ({ordered[0][1]} of {total})."
        if ordered
        else NO_DATA
    )
    title = "Top imbalance area across couples"
    layout = _layout(
        title,
        height=_bar_height(len(ordered)),
        xaxis=_count_axis("Couples", (count for _, count in ordered)),
        yaxis=_category_axis("Area"),
    )
    return _chart(
        key="top-areas", title=title, summary=summary, traces=traces, layout=layout, table=table
    )


def _workload_summary(rows: Sequence[tuple[str, int, int]]) -> str:
    if not rows:
        return NO_DATA
    couples = sum(row[1] for row in rows)
    open_count = sum(row[2] for row in rows)
    busiest = max(rows, key=lambda row: row[1])
    return (
        f"{_plural(len(rows), 'counsellor')} with {couples} active couples and"
        f" {open_count} open assignments in all. The largest caseload is {busiest[0]}'s"
        f" ({busiest[1]} couples)."
    )


def workload_chart(rows: Sequence[tuple[str, int, int]]) -> Chart:
    """Active couples and open assignments per (anonymised) counsellor."""
    labels = [_plot_text(label) for label, _, _ in rows]
    traces = []
    if rows:
        # Dark and light bars: told apart by lightness alone, whatever the colour vision.
        traces = [
            go.Bar(
                x=labels,
                y=[row[column] for row in rows],
                name=name,
                marker={"color": colour},
                hovertemplate="%{x}: %{y} " + name.lower() + "<extra></extra>",
            )
            for column, name, colour in (
                (1, "Active couples", ACCENT),
                (2, "Open assignments", ACCENT_LIGHT),
            )
        ]
    table = Table(
        caption="Active couples and open assignments per counsellor",
        columns=("Counsellor", "Active couples", "Open assignments"),
        rows=tuple((label, str(couples), str(open_)) for label, couples, open_ in rows),
    )
    title = "Counsellor workloads"
    layout = _layout(
        title,
        height=380,
        with_legend=bool(rows),
        barmode="group",
        xaxis=_axis("Counsellor", type="category"),
        yaxis=_count_axis("Count", (max(row[1], row[2]) for row in rows)),
    )
    return _chart(
        key="workloads",
        title=title,
        summary=_workload_summary(rows),
        traces=traces,
        layout=layout,
        table=table,
    )


def _practice_trend_summary(points: Sequence[tuple[str, float | None, int]]) -> str:
    known = [(month, mean) for month, mean, _ in points if mean is not None]
    if not known:
        return NO_DATA
    total = sum(count for _, _, count in points)
    (first_month, first), (last_month, last) = known[0], known[-1]
    counted = f"({_plural(total, 'comparison')} in all)"
    if len(known) == 1:
        return f"The mean overall balance index was {_whole(first)} in {first_month} {counted}."
    return (
        f"The mean overall balance index went from {_whole(first)} in {first_month}"
        f" to {_whole(last)} in {last_month} {counted}."
    )


def practice_trend_chart(points: Sequence[tuple[str, float | None, int]]) -> Chart:
    """The practice's mean overall balance index per month."""
    traces = []
    if points:
        traces.append(
            go.Scatter(
                x=[_plot_text(month) for month, _, _ in points],
                y=[None if mean is None else round(mean, 1) for _, mean, _ in points],
                name="Mean overall index",
                mode="lines+markers",
                cliponaxis=False,
                line={"color": ACCENT, "width": 3},
                marker={"color": ACCENT, "size": 8},
                # Pre-formatted so the hover rounds exactly as the table does.
                customdata=[
                    f"{_opt_whole(mean)} ({_plural(count, 'comparison')})"
                    for _, mean, count in points
                ],
                hovertemplate="%{x}: %{customdata}<extra></extra>",
            )
        )
    table = Table(
        caption="Mean overall balance index per month",
        columns=("Month", "Mean overall index", "Comparisons"),
        rows=tuple((month, _opt_whole(mean), str(count)) for month, mean, count in points),
    )
    title = "Mean overall balance index by month"
    layout = _layout(
        title,
        height=360,
        xaxis=_axis("Month", type="category"),
        yaxis=_axis("Mean overall index (0-100)", range=[0, 100]),
    )
    return _chart(
        key="index-trend",
        title=title,
        summary=_practice_trend_summary(points),
        traces=traces,
        layout=layout,
        table=table,
    )


__all__ = [
    "BAND_COLOURS",
    "BAND_LABELS",
    "INSUFFICIENT",
    "NOT_ENOUGH_ANSWERS",
    "NO_DATA",
    "NO_DISAGREEMENTS",
    "PARTNER_A",
    "PARTNER_B",
    "Chart",
    "Table",
    "figure_json",
    "funnel_chart",
    "practice_trend_chart",
    "report_charts",
    "top_areas_chart",
    "trend_chart",
    "workload_chart",
]
