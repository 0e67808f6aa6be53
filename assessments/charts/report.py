"""The couple report's charts: ranking, balance, wellbeing, disagreements and agreement."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, cast

import plotly.graph_objects as go

from assessments.charts.base import (
    ACCENT,
    AXIS_LINE,
    BAND_COLOURS,
    BAND_LABELS,
    BAND_TEXT,
    GRID,
    INSUFFICIENT,
    LEGEND_PX,
    LEGEND_ROW_PX,
    NEUTRAL,
    NO_DISAGREEMENTS,
    NOT_ENOUGH_ANSWERS,
    PARTNER_A,
    PARTNER_B,
    TEXT,
    TITLE_PX,
    TRANSPARENT,
    WHITE,
    Chart,
    Table,
    axis,
    band_key,
    bar_height,
    bar_labels,
    category_axis,
    item_label,
    join_words,
    make_chart,
    opt_whole,
    percent,
    plot_layout,
    plot_text,
    plural,
    shorten,
    signed,
    unique_labels,
    unsigned,
    whole,
    wrapped,
)
from assessments.engine.scoring import (
    AreaResult,
    Band,
    ComparisonResult,
    ItemDisagreement,
)

_RADAR_LABEL_WRAP: Final = 18


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
    top_band = BAND_LABELS[band_key(top.band)]
    sentences = [f"Highest imbalance: {titles[top.slug]} at {top.index} ({top_band})."]
    if index is not None:
        band_label = BAND_LABELS[band_key(band)]
        sentences.insert(0, f"Overall balance index {index} ({band_label}).")
    missing = [titles[area.slug] for area in ranked if not _is_scored(area)]
    if missing:
        sentences.append(f"{INSUFFICIENT} in {join_words(missing)}.")
    return " ".join(sentences)


def _area_ranking(
    areas: Sequence[AreaResult],
    overall: tuple[int | None, Band | None],
    titles: Mapping[str, str],
    names: tuple[str, str],
) -> Chart:
    ranked = _ranking_order(areas)
    bands = [band_key(area.band) for area in ranked]
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
                y=[plot_text(titles[area.slug]) for area in ranked],
                marker={"color": [BAND_COLOURS[band] for band in bands]},
                **bar_labels(
                    [area.index or 0 for area in ranked], labels, [BAND_TEXT[b] for b in bands]
                ),
                hovertemplate="%{y}: %{text}<extra></extra>",
                name="Imbalance index",
            )
        )
    rows = tuple(
        (
            titles[area.slug],
            opt_whole(area.index),
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
    layout = plot_layout(
        title,
        height=bar_height(len(ranked)),
        xaxis=axis("Imbalance index (0-100)", range=[0, 100]),
        yaxis=category_axis("Area"),
    )
    summary = _ranking_summary(ranked, overall, titles)
    return make_chart(
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
        c = signed(strongest.consensual or 0)
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
        f" (gap {unsigned(widest.perception_gap)})."
    )


def _balance_hover(area: AreaResult, names: tuple[str, str]) -> str:
    say = (
        "about equal" if area.direction not in ("a", "b") else f"{_holder(area, names)} holds more"
    )
    text = (
        f"c = {signed(area.consensual or 0)}, {say}; gap {unsigned(area.perception_gap or 0)};"
        f" {names[0]}'s view {signed(area.p_a or 0)}, {names[1]}'s view {signed(area.p_b or 0)}"
    )
    return plot_text(text)


def _balance_bars(
    areas: Sequence[AreaResult], names: tuple[str, str], titles: Mapping[str, str]
) -> Chart:
    y = [plot_text(titles[area.slug]) for area in areas]
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
                **bar_labels(
                    c,
                    [f"gap {unsigned(area.perception_gap or 0)}" for area in areas],
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
            signed(area.consensual or 0),
            _holder(area, names),
            unsigned(area.perception_gap or 0),
            signed(area.p_a or 0),
            signed(area.p_b or 0),
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
    layout = plot_layout(
        title,
        # One more line of tick labels: the partners' names under the axis ends.
        height=bar_height(len(areas), extra=LEGEND_ROW_PX),
        xaxis=axis(
            "Who holds more say (c)",
            # The names under the end ticks stick out sideways; let them push the side margins.
            automargin=True,
            ticklabeloverflow="allow",
            range=[-1, 1],
            tickvals=[-1, -0.5, 0, 0.5, 1],
            # The partner's name under each end says which way the bars point.
            ticktext=[
                f"-1<br>← {plot_text(names[1])}",
                "-0.5",
                "0",
                "+0.5",
                f"+1<br>{plot_text(names[0])} →",
            ],
            zeroline=True,
            zerolinewidth=2,
        ),
        yaxis=category_axis("Area"),
    )
    summary = _balance_summary(areas, names, titles)
    return make_chart(
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
        name=plot_text(name),
        mode="lines+markers",
        fill="toself",
        fillcolor=fill,
        line={"color": colour, "width": 2},
        marker={"symbol": "circle" if a else "diamond", "size": 9, "color": colour},
        customdata=[
            whole(value) + (", meaningful gap" if area.meaningful_gap else "")
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
    lead = f"Lowest wellbeing: {name} in {titles[area.slug]} ({whole(value)} of 100)."
    gaps = [titles[area.slug] for area in areas if area.meaningful_gap]
    if gaps:
        return f"{lead} Meaningful gap between the partners in {join_words(gaps)}."
    return f"{lead} No area shows a meaningful gap between the partners."


def _wellbeing_pairs(area: AreaResult, names: tuple[str, str]) -> list[tuple[float, str]]:
    return [(area.wellbeing_a or 0.0, names[0]), (area.wellbeing_b or 0.0, names[1])]


def _wellbeing_radar(
    areas: Sequence[AreaResult], names: tuple[str, str], titles: Mapping[str, str]
) -> Chart:
    theta = [wrapped(titles[area.slug], _RADAR_LABEL_WRAP) for area in areas]
    traces = []
    if areas:
        traces = [
            _radar_trace(areas, theta, names[0], [a.wellbeing_a or 0.0 for a in areas], a=True),
            _radar_trace(areas, theta, names[1], [a.wellbeing_b or 0.0 for a in areas], a=False),
        ]
    rows = tuple(
        (
            titles[area.slug],
            whole(area.wellbeing_a or 0),
            whole(area.wellbeing_b or 0),
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
    layout = plot_layout(
        title,
        height=480,
        with_legend=bool(areas),
        # Room around the circle for the area names, which sit outside it.
        margin={"t": TITLE_PX + LEGEND_PX + 28, "l": 72, "r": 72, "b": 40},
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
    return make_chart(
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
    y = unique_labels([item_label(item.text) for item in items])
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
            name=plot_text(name),
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
        f"{plural(len(items), 'item')} answered two or more points apart. The largest difference"
        f" is on “{shorten(top.text)}” ({names[0]} {top.keyed_a}, {names[1]} {top.keyed_b})."
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
    layout = plot_layout(
        title,
        # Item labels wrap to two lines, so the rows are taller than an area's.
        height=bar_height(len(items), row_px=56, extra=LEGEND_PX),
        with_legend=bool(items),
        xaxis=axis("Keyed answer (1-5)", range=[0.5, 5.5], tickvals=[1, 2, 3, 4, 5]),
        yaxis=category_axis("Item"),
    )
    summary = _disagreement_summary(items, names) if scored else NOT_ENOUGH_ANSWERS
    return make_chart(
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
            f" {percent(high.pca or 0)} of wellbeing items in {titles[high.slug]}"
            + ("" if low is high else f", and for {percent(low.pca or 0)} in {titles[low.slug]}")
            + "."
        )
    if omitted:
        names = join_words([titles[area.slug] for area in omitted])
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
                y=[plot_text(titles[area.slug]) for area in shown],
                name="Positive couple agreement",
                marker={"color": ACCENT},
                **bar_labels(
                    [area.pca or 0 for area in shown], [percent(area.pca or 0) for area in shown]
                ),
                hovertemplate="%{y}: %{text}<extra></extra>",
            )
        )
    table = Table(
        caption="Positive couple agreement: wellbeing items both partners answered healthily",
        columns=("Area", "Positive couple agreement"),
        rows=tuple((titles[area.slug], percent(area.pca or 0)) for area in shown),
    )
    title = "Positive couple agreement per area"
    layout = plot_layout(
        title,
        height=bar_height(len(shown)),
        xaxis=axis("Items both answered on the healthy side (%)", range=[0, 100]),
        yaxis=category_axis("Area"),
    )
    summary = _pca_summary(shown, omitted, titles)
    return make_chart(
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
