"""The example the chart tests share: an instrument, two partners' answers and small helpers.

The example instrument has three areas (default scoring parameters, sd 10, r 0.80, so a wellbeing
difference above 1.96 * 10 * sqrt(0.4) = 12.4 is meaningful):

    decisions      both say A decides (c = +1); A's wellbeing 100, B's 0     -> index 80, severe
    communication  each says "I decide" (c = 0, gap 1); wellbeing 87.5 / 50   -> index 31, watch;
                   B endorses the safety item "often" (which only raises a flag) and keeps quiet
                   to avoid a row "often" (keyed 2 against A's 5)
    trust          A answers one item of four                                 -> not scored

Overall index: the equal-weight mean of the displayed 80 and 31, 55.5, rounded half up to 56
(imbalanced).
"""

from __future__ import annotations

from typing import Any

from assessments.charts.base import (
    Chart,
    figure_json,
)
from assessments.charts.practice import (
    funnel_chart,
    practice_trend_chart,
    top_areas_chart,
    workload_chart,
)
from assessments.charts.report import report_charts
from assessments.charts.trend import trend_chart
from assessments.engine.scoring import (
    AreaDef,
    ComparisonResult,
    InstrumentDef,
    ItemDef,
    compare,
    trend,
)

SAFETY_TEXT = "My partner threatens me when we argue."
AREAS = (
    AreaDef("decisions", "Decision-making", weight=1.0, sd=10.0, reliability=0.8),
    AreaDef("communication", "Communication", weight=1.0, sd=10.0, reliability=0.8),
    AreaDef("trust", "Trust and security", weight=1.0, sd=10.0, reliability=0.8),
)
ITEMS = (
    ItemDef("dec-s1", "decisions", "share", "Who decides on large purchases?"),
    ItemDef("dec-s2", "decisions", "share", "Who decides where we go on holiday?"),
    ItemDef("dec-w1", "decisions", "agree", "My views count when we make plans."),
    ItemDef("dec-w2", "decisions", "frequency", "I give in to keep the peace.", reverse=True),
    ItemDef("com-s1", "communication", "share", "Whose view wins when we talk things over?"),
    ItemDef("com-s2", "communication", "share", "Who chooses what we talk about?"),
    ItemDef("com-w1", "communication", "agree", "I feel listened to."),
    ItemDef(
        "com-w2", "communication", "frequency", SAFETY_TEXT, reverse=True, sensitivity="safety"
    ),
    ItemDef("com-w3", "communication", "frequency", "I keep quiet to avoid a row.", reverse=True),
    ItemDef("tru-s1", "trust", "share", "Who decides whom we see?"),
    ItemDef("tru-s2", "trust", "share", "Who keeps the passwords?"),
    ItemDef("tru-w1", "trust", "agree", "I can rely on my partner."),
    ItemDef("tru-w2", "trust", "agree", "I feel secure with my partner."),
)
INSTRUMENT = InstrumentDef("charts-example", 1, AREAS, ITEMS)

ANSWERS_A = {
    "dec-s1": 1,
    "dec-s2": 1,
    "dec-w1": 5,
    "dec-w2": 1,
    "com-s1": 1,
    "com-s2": 1,
    "com-w1": 4,
    "com-w2": 1,
    "com-w3": 1,
    "tru-s1": 3,
}
ANSWERS_B = {
    "dec-s1": 5,
    "dec-s2": 5,
    "dec-w1": 1,
    "dec-w2": 5,
    "com-s1": 1,
    "com-s2": 1,
    "com-w1": 4,
    "com-w2": 4,
    "com-w3": 4,
    "tru-s1": 3,
    "tru-s2": 3,
    "tru-w1": 5,
    "tru-w2": 5,
}
HEALTHY = {
    **{item.id: 3 for item in ITEMS if item.kind == "share"},
    **{item.id: (1 if item.reverse else 5) for item in ITEMS if item.kind != "share"},
}
KEYS = ("area-ranking", "balance-bars", "wellbeing-radar", "disagreements", "pca")


def example_result(
    a: dict[str, int] = ANSWERS_A, b: dict[str, int] = ANSWERS_B
) -> ComparisonResult:
    return compare(INSTRUMENT, a, b, ())


def charts_by_key(result: ComparisonResult | None = None, **kwargs: Any) -> dict[str, Chart]:
    return {chart.key: chart for chart in report_charts(result or example_result(), **kwargs)}


def trace_of(chart: Chart, index: int = 0) -> dict[str, Any]:
    return figure_json(chart)["data"][index]


def traces_named(chart: Chart) -> dict[str, dict[str, Any]]:
    return {trace["name"]: trace for trace in figure_json(chart)["data"]}


def layout_of(chart: Chart) -> dict[str, Any]:
    return figure_json(chart)["layout"]


def bars_by_label(chart: Chart) -> dict[str, Any]:
    bar = trace_of(chart)
    return dict(zip(bar["y"], bar["x"], strict=True))


# Nine areas, as many as the inventory has.
NINE_TITLES = (
    "Decision-making",
    "Finances and resources",
    "Communication and being heard",
    "Trust and security",
    "Respect and boundaries",
    "Autonomy and freedom",
    "Shared responsibility and roles",
    "Conflict and compromise",
    "Emotional connection and appreciation",
)
NINE_AREAS = tuple(
    AreaDef(f"area-{n}", title, weight=1.0, sd=12.0, reliability=0.8)
    for n, title in enumerate(NINE_TITLES)
)
NINE_ITEMS = tuple(
    ItemDef(
        f"a{n}-{kind}{k}",
        f"area-{n}",
        kind,
        f"A fairly long item text about {title.lower()} that keeps going past sixty characters.",
    )
    for n, title in enumerate(NINE_TITLES)
    for kind in ("share", "agree")
    for k in range(3)
)
NINE = InstrumentDef("nine", 1, NINE_AREAS, NINE_ITEMS)


def nine_answers(seed: int) -> dict[str, int]:
    return {item.id: 1 + (position * seed) % 5 for position, item in enumerate(NINE_ITEMS)}


def every_kind_of_chart() -> tuple[Chart, ...]:
    """One chart of every kind, for nine areas and a year of history."""
    results = [compare(NINE, nine_answers(s), nine_answers(s + 2), ()) for s in (1, 2, 3, 7)]
    labels = ["2026-01-10", "2026-03-02", "2026-05-20", "2026-08-11"]
    points = trend(list(zip(labels, results, strict=True)), NINE)
    return (
        *report_charts(results[0], names=("Partner A", "Partner B")),
        trend_chart(points, area_titles={a.slug: a.title for a in NINE_AREAS}),
        funnel_chart([("Assigned", 120), ("Opened", 100), ("Compared", 48)]),
        top_areas_chart([(title, n) for n, title in enumerate(NINE_TITLES)]),
        workload_chart([(f"Counsellor {n}", n * 3, n) for n in range(1, 10)]),
        practice_trend_chart([(f"2026-{m:02d}", 30.0 + m, m * 4) for m in range(1, 13)]),
    )
