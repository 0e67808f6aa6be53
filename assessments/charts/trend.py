"""The trend of one instrument's balance index across re-assessments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import plotly.graph_objects as go

from assessments.charts.base import (
    ACCENT,
    AREA_LINE_COLOURS,
    AREA_LINE_DASHES,
    LEGEND_ROW_PX,
    NOT_ENOUGH_ANSWERS,
    TITLE_PX,
    Chart,
    Table,
    axis,
    join_words,
    make_chart,
    opt_whole,
    plot_layout,
    plot_text,
)
from assessments.engine.scoring import (
    TrendPoint,
)

_TREND_VISIBLE_AREAS: Final = 3


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
    points: Sequence[TrendPoint], slug: str, title: str, position: int, *, visible: bool
) -> Any:
    colour = AREA_LINE_COLOURS[position % len(AREA_LINE_COLOURS)]
    dash = AREA_LINE_DASHES[position % len(AREA_LINE_DASHES)]
    return go.Scatter(
        x=[plot_text(point.label) for point in points],
        y=[dict(point.area_indices).get(slug) for point in points],
        name=plot_text(title),
        mode="lines+markers",
        # A marker at 0 sits on the plot edge; unclipped, it stays whole.
        cliponaxis=False,
        line={"color": colour, "width": 1.5, "dash": dash},
        visible=None if visible else "legendonly",
        **_trend_marks(
            [slug in point.area_reliable_changes for point in points], colour, 8, grow=False
        ),
    )


def _trend_overall_trace(points: Sequence[TrendPoint]) -> Any:
    return go.Scatter(
        x=[plot_text(point.label) for point in points],
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
        return f"{lead} Reliable change at {join_words(reliable)}."
    return f"{lead} None of the changes is a reliable change."


def _trend_cell(point: TrendPoint, slug: str) -> str:
    value = opt_whole(dict(point.area_indices).get(slug))
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
                position,
                visible=slug in visible,
            )
            for position, slug in enumerate(slugs)
        ] + [_trend_overall_trace(points)]
    rows = tuple(
        (
            point.label,
            opt_whole(point.overall_index),
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
    legend_px = LEGEND_ROW_PX * len(traces)
    layout = plot_layout(
        title,
        height=340 + legend_px,
        showlegend=bool(traces),
        legend={"orientation": "v", "yref": "container", "y": 0, "yanchor": "bottom"},
        margin={"t": TITLE_PX, "b": 16 + legend_px},
        xaxis=axis("Assessment", type="category"),
        yaxis=axis("Index (0-100)", range=[0, 100]),
    )
    summary = _trend_summary(points)
    return make_chart(
        key="trend", title=title, summary=summary, traces=traces, layout=layout, table=table
    )
