"""The practice dashboard's charts (aggregates only, never a couple's data)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import plotly.graph_objects as go

from assessments.charts.base import (
    ACCENT,
    ACCENT_LIGHT,
    GRID,
    MISSING,
    NO_DATA,
    TEXT,
    WHITE,
    Chart,
    Table,
    axis,
    bar_height,
    bar_labels,
    category_axis,
    count_axis,
    make_chart,
    opt_whole,
    percent,
    plot_layout,
    plot_text,
    plural,
    whole,
)


def _share_of(count: int, total: int) -> str:
    return MISSING if total <= 0 else percent(100 * count / total)


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
                y=[plot_text(label) for label, _ in stages],
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
    layout = plot_layout(
        title,
        height=bar_height(len(stages)),
        xaxis=axis("Assessments", rangemode="tozero"),
        yaxis=axis("Stage", type="category"),
    )
    return make_chart(
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
                y=[plot_text(title) for title, _ in ordered],
                name="Couples",
                marker={"color": ACCENT},
                **bar_labels([count for _, count in ordered], [str(count) for _, count in ordered]),
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
    layout = plot_layout(
        title,
        height=bar_height(len(ordered)),
        xaxis=count_axis("Couples", (count for _, count in ordered)),
        yaxis=category_axis("Area"),
    )
    return make_chart(
        key="top-areas", title=title, summary=summary, traces=traces, layout=layout, table=table
    )


def _workload_summary(rows: Sequence[tuple[str, int, int]]) -> str:
    if not rows:
        return NO_DATA
    couples = sum(row[1] for row in rows)
    open_count = sum(row[2] for row in rows)
    busiest = max(rows, key=lambda row: row[1])
    return (
        f"{plural(len(rows), 'counsellor')} with {couples} active couples and"
        f" {open_count} open assignments in all. The largest caseload is {busiest[0]}'s"
        f" ({busiest[1]} couples)."
    )


def workload_chart(rows: Sequence[tuple[str, int, int]]) -> Chart:
    """Active couples and open assignments per (anonymised) counsellor."""
    labels = [plot_text(label) for label, _, _ in rows]
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
    layout = plot_layout(
        title,
        height=380,
        with_legend=bool(rows),
        barmode="group",
        xaxis=axis("Counsellor", type="category"),
        yaxis=count_axis("Count", (max(row[1], row[2]) for row in rows)),
    )
    return make_chart(
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
    counted = f"({plural(total, 'comparison')} in all)"
    if len(known) == 1:
        return f"The mean overall balance index was {whole(first)} in {first_month} {counted}."
    return (
        f"The mean overall balance index went from {whole(first)} in {first_month}"
        f" to {whole(last)} in {last_month} {counted}."
    )


def practice_trend_chart(points: Sequence[tuple[str, float | None, int]]) -> Chart:
    """The practice's mean overall balance index per month."""
    traces = []
    if points:
        traces.append(
            go.Scatter(
                x=[plot_text(month) for month, _, _ in points],
                y=[None if mean is None else round(mean, 1) for _, mean, _ in points],
                name="Mean overall index",
                mode="lines+markers",
                cliponaxis=False,
                line={"color": ACCENT, "width": 3},
                marker={"color": ACCENT, "size": 8},
                # Pre-formatted so the hover rounds exactly as the table does.
                customdata=[
                    f"{opt_whole(mean)} ({plural(count, 'comparison')})"
                    for _, mean, count in points
                ],
                hovertemplate="%{x}: %{customdata}<extra></extra>",
            )
        )
    table = Table(
        caption="Mean overall balance index per month",
        columns=("Month", "Mean overall index", "Comparisons"),
        rows=tuple((month, opt_whole(mean), str(count)) for month, mean, count in points),
    )
    title = "Mean overall balance index by month"
    layout = plot_layout(
        title,
        height=360,
        xaxis=axis("Month", type="category"),
        yaxis=axis("Mean overall index (0-100)", range=[0, 100]),
    )
    return make_chart(
        key="index-trend",
        title=title,
        summary=_practice_trend_summary(points),
        traces=traces,
        layout=layout,
        table=table,
    )
