"""What every chart shares: the figure JSON and its size."""

from __future__ import annotations

import json

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
    compare,
    trend,
)
from tests.assessments.charts.example import (
    NINE,
    NINE_AREAS,
    NINE_TITLES,
    charts_by_key,
    example_result,
    nine_answers,
    trace_of,
)

# --- size -----------------------------------------------------------------------------------


def _nine_charts() -> tuple[Chart, ...]:
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


def test_each_figure_for_nine_areas_stays_under_6_kb() -> None:
    charts = _nine_charts()

    assert all(len(trace_of(chart)) for chart in charts)
    sizes = {chart.key: len(json.dumps(figure_json(chart))) for chart in charts}
    assert max(sizes.values()) < 6000, sizes


def test_horizontal_bar_charts_grow_with_their_rows() -> None:
    small = charts_by_key()["area-ranking"].figure.layout.height
    large = report_charts(compare(NINE, nine_answers(1), nine_answers(3), ()))[0]

    assert large.figure.layout.height > small


def test_figure_json_is_plain_json() -> None:
    data = figure_json(report_charts(example_result())[0])

    assert set(data) == {"data", "layout"}
    assert json.loads(json.dumps(data)) == data
