"""The trend over re-assessments of one instrument."""

from __future__ import annotations

from typing import Any

from assessments.charts.base import (
    NOT_ENOUGH_ANSWERS,
    figure_json,
)
from assessments.charts.trend import trend_chart
from assessments.engine.scoring import (
    compare,
    trend,
)
from tests.assessments.charts.example import (
    HEALTHY,
    INSTRUMENT,
    NINE,
    example_result,
    layout_of,
    nine_answers,
    traces_named,
)

# --- trend over re-assessments --------------------------------------------------------------


def _points() -> tuple[Any, ...]:
    bad, good = example_result(), example_result(HEALTHY, HEALTHY)
    labels = ("2026-01-10", "2026-04-02", "2026-06-20")
    return trend(list(zip(labels, (bad, good, good), strict=True)), INSTRUMENT)


def test_trend_draws_the_overall_index_thicker_in_the_accent_colour() -> None:
    chart = trend_chart(_points())
    traces = traces_named(chart)
    overall = traces["Overall balance index"]

    assert chart.key == "trend"
    assert overall["y"] == [56, 0, 0]
    assert overall["x"] == ["2026-01-10", "2026-04-02", "2026-06-20"]
    assert overall["line"] == {"color": "#0e6b78", "width": 4}
    assert all(traces[t]["line"]["width"] < 4 for t in traces if t != "Overall balance index")
    assert layout_of(chart)["yaxis"]["range"] == [0, 100]


def test_trend_stars_a_reliable_change_and_says_so_in_the_table() -> None:
    chart = trend_chart(_points())
    overall = traces_named(chart)["Overall balance index"]

    assert overall["marker"]["symbol"] == ["circle", "star", "circle"]
    assert overall["marker"]["size"][1] > overall["marker"]["size"][0]
    assert chart.table.columns[:3] == ("Assessment", "Overall index", "Reliable change")
    assert [row[2] for row in chart.table.rows] == ["", "yes", ""]


def test_trend_summary_gives_first_and_last_index_and_the_reliable_change() -> None:
    summary = trend_chart(_points()).summary

    assert summary == (
        "The overall balance index went from 56 (2026-01-10) to 0 (2026-06-20)."
        " Reliable change at 2026-04-02."
    )


def test_trend_uses_area_titles_and_marks_unscored_points_as_missing() -> None:
    chart = trend_chart(_points(), area_titles={"trust": "Trust"})
    traces = traces_named(chart)

    assert traces["Trust"]["y"] == [None, 0, 0]
    assert traces["Decisions"]["y"] == [80, 0, 0]
    assert chart.table.rows[0][3:] == ("80", "31", "—")
    assert chart.table.rows[1][3:] == ("0 (reliable change)", "0 (reliable change)", "0")


def test_trend_shows_only_the_three_areas_highest_now_by_default() -> None:
    result = compare(NINE, nine_answers(1), nine_answers(3), ())
    points = trend([("2026-01", result)], NINE)
    chart = trend_chart(points)
    highest = sorted(
        (area for area in result.areas if area.index is not None), key=lambda a: -(a.index or 0)
    )[:3]
    visible = {
        trace["name"]
        for trace in figure_json(chart)["data"]
        if trace.get("visible") != "legendonly" and trace["name"] != "Overall balance index"
    }

    assert len(highest) == 3
    assert visible == {area.slug.replace("-", " ").capitalize() for area in highest}


def test_trend_of_nothing_does_not_crash() -> None:
    chart = trend_chart([])

    assert chart.summary == NOT_ENOUGH_ANSWERS
    assert chart.table.rows == ()
    assert figure_json(chart)["data"] == []


def test_a_single_assessment_asks_for_a_reassessment() -> None:
    chart = trend_chart(_points()[:1])

    assert "re-assess to see a trend" in chart.summary
    assert len(chart.table.rows) == 1
