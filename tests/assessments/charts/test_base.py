"""What every chart shares: the figure JSON and its size."""

from __future__ import annotations

import json

from assessments.charts.base import (
    figure_json,
)
from assessments.charts.report import report_charts
from assessments.engine.scoring import (
    compare,
)
from tests.assessments.charts.example import (
    NINE,
    charts_by_key,
    every_kind_of_chart,
    example_result,
    nine_answers,
    trace_of,
)

# --- size -----------------------------------------------------------------------------------


def test_each_figure_for_nine_areas_stays_under_6_kb() -> None:
    charts = every_kind_of_chart()

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
