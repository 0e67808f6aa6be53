"""The practice dashboard's charts."""

from __future__ import annotations

from typing import Any

import pytest

from assessments.charts.base import (
    NO_DATA,
    figure_json,
)
from assessments.charts.practice import (
    funnel_chart,
    practice_trend_chart,
    top_areas_chart,
    workload_chart,
)
from tests.assessments.charts.example import (
    layout_of,
    trace_of,
    traces_named,
)

# --- practice dashboard ---------------------------------------------------------------------

STAGES = [
    ("Assigned", 120),
    ("Opened", 100),
    ("In progress", 80),
    ("One partner submitted", 60),
    ("Both submitted", 50),
    ("Compared", 48),
]


def test_funnel_shows_each_stage_count_in_order() -> None:
    chart = funnel_chart(STAGES)
    funnel = trace_of(chart)

    assert chart.key == "completion-funnel"
    assert funnel["type"] == "funnel"
    assert funnel["y"] == [label for label, _ in STAGES]
    assert funnel["x"] == [count for _, count in STAGES]
    assert chart.table.rows[-1] == ("Compared", "48", "40%")
    assert chart.summary == (
        "120 at “Assigned”; 48 (40%) reached “Compared”."
        " The largest drop, 20, is from “Assigned” to “Opened”."
    )


def test_top_areas_are_sorted_most_common_first() -> None:
    chart = top_areas_chart([("Finances", 3), ("Trust", 7), ("Communication", 5)])
    bar = trace_of(chart)

    assert chart.key == "top-areas"
    assert bar["y"] == ["Trust", "Communication", "Finances"]
    assert bar["x"] == [7, 5, 3]
    assert layout_of(chart)["xaxis"]["dtick"] == 1
    assert chart.summary == "Trust is the top imbalance area for the most couples (7 of 15)."


def test_workloads_are_grouped_bars_of_couples_and_open_assignments() -> None:
    chart = workload_chart([("Counsellor 1", 12, 3), ("Counsellor 2", 8, 5)])
    traces = traces_named(chart)

    assert chart.key == "workloads"
    assert layout_of(chart)["barmode"] == "group"
    assert traces["Active couples"]["y"] == [12, 8]
    assert traces["Open assignments"]["y"] == [3, 5]
    assert traces["Active couples"]["x"] == ["Counsellor 1", "Counsellor 2"]
    assert chart.table.rows == (("Counsellor 1", "12", "3"), ("Counsellor 2", "8", "5"))


def test_practice_trend_plots_monthly_means_with_gaps_for_empty_months() -> None:
    chart = practice_trend_chart(
        [("2026-07", 41.25, 10), ("2026-08", None, 0), ("2026-09", 34.5, 12)]
    )
    line = trace_of(chart)

    assert chart.key == "index-trend"
    assert line["y"] == [41.2, None, 34.5]
    assert layout_of(chart)["yaxis"]["range"] == [0, 100]
    assert chart.table.rows[1] == ("2026-08", "—", "0")
    assert chart.summary == (
        "The mean overall balance index went from 41 in 2026-07 to 35 in 2026-09"
        " (22 comparisons in all)."
    )


@pytest.mark.parametrize(
    "build",
    [funnel_chart, top_areas_chart, workload_chart, practice_trend_chart],
    ids=["funnel", "top-areas", "workloads", "index-trend"],
)
def test_practice_charts_with_no_data_say_so_without_crashing(build: Any) -> None:
    chart = build([])

    assert chart.summary == NO_DATA
    assert chart.table.rows == ()
    assert figure_json(chart)["data"] == []
    assert layout_of(chart)["title"]["text"] == chart.title


def test_funnel_with_nobody_assigned_does_not_divide_by_zero() -> None:
    chart = funnel_chart([("Assigned", 0), ("Compared", 0)])

    assert chart.table.rows == (("Assigned", "0", "—"), ("Compared", "0", "—"))
