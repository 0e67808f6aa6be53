"""Chart builders, tested without a database: traces, ranges, labels, sizes, text alternatives.

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

import dataclasses
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.charts.base import (
    BAND_COLOURS,
    INSUFFICIENT,
    NO_DATA,
    NO_DISAGREEMENTS,
    NOT_ENOUGH_ANSWERS,
    PARTNER_A,
    PARTNER_B,
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
    ItemDisagreement,
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


def _result(a: dict[str, int] = ANSWERS_A, b: dict[str, int] = ANSWERS_B) -> ComparisonResult:
    return compare(INSTRUMENT, a, b, ())


def _charts(result: ComparisonResult | None = None, **kwargs: Any) -> dict[str, Chart]:
    return {chart.key: chart for chart in report_charts(result or _result(), **kwargs)}


def _trace(chart: Chart, index: int = 0) -> dict[str, Any]:
    return figure_json(chart)["data"][index]


def _traces_named(chart: Chart) -> dict[str, dict[str, Any]]:
    return {trace["name"]: trace for trace in figure_json(chart)["data"]}


def _layout(chart: Chart) -> dict[str, Any]:
    return figure_json(chart)["layout"]


def _bars_by_label(chart: Chart) -> dict[str, Any]:
    bar = _trace(chart)
    return dict(zip(bar["y"], bar["x"], strict=True))


# --- the couple report ----------------------------------------------------------------------


def test_the_example_scores_as_the_module_docstring_says() -> None:
    result = _result()

    assert [(a.slug, a.index, a.band and a.band.value) for a in result.areas] == [
        ("decisions", 80, "severe"),
        ("communication", 31, "watch"),
        ("trust", None, None),
    ]
    assert result.safety_flags


def test_report_charts_come_in_the_documented_order() -> None:
    charts = report_charts(_result())

    assert tuple(chart.key for chart in charts) == KEYS


def test_every_chart_key_is_safe_as_an_html_id() -> None:
    for chart in report_charts(_result()):
        assert re.fullmatch(r"[a-z][a-z0-9-]*", chart.key)


def test_report_chart_trace_types_match_the_chart_kind() -> None:
    types = {key: [t["type"] for t in figure_json(c)["data"]] for key, c in _charts().items()}

    assert types == {
        "area-ranking": ["bar"],
        "balance-bars": ["bar"],
        "wellbeing-radar": ["scatterpolar", "scatterpolar"],
        "disagreements": ["scatter", "scatter", "scatter"],
        "pca": ["bar"],
    }


def test_every_figure_has_a_title_and_titled_axes() -> None:
    for chart in report_charts(_result()):
        layout = _layout(chart)
        assert layout["title"]["text"] == chart.title
        if chart.key == "wellbeing-radar":
            assert layout["polar"]["radialaxis"]["title"]["text"]
        else:
            assert layout["xaxis"]["title"]["text"]
            assert layout["yaxis"]["title"]["text"]


def test_figures_use_the_small_house_template_not_plotlys_default() -> None:
    template = _layout(report_charts(_result())[0])["template"]

    assert template["layout"]["font"] == {
        "family": "system-ui, sans-serif",
        "size": 14,
        "color": "#1a1f24",
    }
    assert template["layout"]["paper_bgcolor"] == "rgba(0,0,0,0)"
    assert "colorway" not in template["layout"]


def test_area_ranking_puts_the_highest_index_first_with_a_0_to_100_axis() -> None:
    chart = _charts()["area-ranking"]
    bar = _trace(chart)

    assert bar["orientation"] == "h"
    assert bar["y"] == ["Decision-making", "Communication", "Trust and security"]
    assert bar["x"] == [80, 31, 0]
    assert _layout(chart)["xaxis"]["range"] == [0, 100]
    assert _layout(chart)["yaxis"]["autorange"] == "reversed"


def test_area_ranking_bars_take_their_band_colour() -> None:
    bar = _trace(_charts()["area-ranking"])

    assert bar["marker"]["color"] == [
        BAND_COLOURS["severe"],
        BAND_COLOURS["watch"],
        BAND_COLOURS["insufficient"],
    ]
    assert BAND_COLOURS == {
        "balanced": "#4477AA",
        "watch": "#CCBB44",
        "imbalanced": "#EE7733",
        "severe": "#CC3311",
        "insufficient": "#bbbbbb",
    }


def test_band_is_written_on_the_bar_so_colour_is_not_the_only_cue() -> None:
    bar = _trace(_charts()["area-ranking"])

    assert bar["text"] == ["80 (Severe)", "31 (Watch)", INSUFFICIENT]


def test_an_unscored_area_is_ranked_last_as_insufficient_answers() -> None:
    chart = _charts()["area-ranking"]

    assert _bars_by_label(chart)["Trust and security"] == 0
    assert chart.table.rows[-1] == ("Trust and security", "—", INSUFFICIENT, "1 of 4", "4 of 4")
    assert "Insufficient answers in Trust and security" in chart.summary


def test_a_zero_length_bar_keeps_its_label_beside_it() -> None:
    bar = _trace(_charts()["area-ranking"])

    # Plotly draws no "auto" text on a bar of length 0.
    assert bar["textposition"] == ["auto", "auto", "outside"]


def test_ranking_summary_gives_the_overall_index_and_the_top_area() -> None:
    summary = _charts()["area-ranking"].summary

    assert summary.startswith("Overall balance index 56 (Imbalanced).")
    assert "Highest imbalance: Decision-making at 80 (Severe)." in summary


def test_balance_bar_is_positive_when_partner_a_holds_more_say() -> None:
    chart = _charts()["balance-bars"]

    assert _bars_by_label(chart) == {"Decision-making": 1.0, "Communication": 0.0}
    assert _trace(chart)["marker"]["color"][0] == PARTNER_A


def test_balance_bar_is_negative_when_partner_b_holds_more_say() -> None:
    swapped = _result(ANSWERS_B, ANSWERS_A)
    chart = _charts(swapped)["balance-bars"]

    assert _bars_by_label(chart)["Decision-making"] == -1.0
    assert _trace(chart)["marker"]["color"][0] == PARTNER_B
    assert "Partner B holds more say (c = -1.00)" in chart.summary


def test_balance_bars_span_minus_one_to_one() -> None:
    assert _layout(_charts()["balance-bars"])["xaxis"]["range"] == [-1, 1]


def test_balance_bar_text_shows_the_perception_gap() -> None:
    chart = _charts()["balance-bars"]

    assert _trace(chart)["text"] == ["gap 0.00", "gap 1.00"]
    assert "They see Communication most differently (gap 1.00)." in chart.summary


def test_balance_bars_name_each_partner_at_their_end_of_the_axis() -> None:
    axis = _layout(_charts(names=("Sam", "Alex"))["balance-bars"])["xaxis"]

    assert axis["ticktext"][0] == "-1<br>← Alex"
    assert axis["ticktext"][-1] == "+1<br>Sam →"


def test_balance_bar_hover_gives_each_partners_own_view() -> None:
    hover = _trace(_charts()["balance-bars"])["customdata"][1]

    assert hover == (
        "c = 0.00, about equal; gap 1.00; Partner A's view +1.00, Partner B's view -1.00"
    )


def test_unscored_area_is_left_out_of_balance_radar_and_pca() -> None:
    charts = _charts()

    for key in ("balance-bars", "wellbeing-radar", "pca"):
        assert "Trust and security" not in json.dumps(figure_json(charts[key])["data"])
        assert all(row[0] != "Trust and security" for row in charts[key].table.rows)


def test_radar_plots_each_partners_wellbeing_on_a_0_to_100_axis() -> None:
    result = _result()
    chart = _charts(result)["wellbeing-radar"]
    traces = _traces_named(chart)
    scored = [area for area in result.areas if area.scored]

    assert traces["Partner A"]["r"] == [area.wellbeing_a for area in scored]
    assert traces["Partner B"]["r"] == [area.wellbeing_b for area in scored]
    assert traces["Partner A"]["theta"] == ["Decision-making", "Communication"]
    assert _layout(chart)["polar"]["radialaxis"]["range"] == [0, 100]


def test_long_area_titles_wrap_around_the_radar_but_not_in_the_table() -> None:
    title = "Emotional connection and appreciation"
    chart = _charts(area_titles={"decisions": title})["wellbeing-radar"]
    theta = _trace(chart)["theta"][0]

    assert "<br>" in theta
    assert theta.replace("<br>", " ") == title
    assert chart.table.rows[0][0] == title


def test_radar_marks_meaningful_gaps_in_hover_and_table() -> None:
    chart = _charts()["wellbeing-radar"]

    assert _traces_named(chart)["Partner B"]["customdata"] == [
        "0, meaningful gap",
        "50, meaningful gap",
    ]
    assert chart.table.rows == (
        ("Decision-making", "100", "0", "yes"),
        ("Communication", "88", "50", "yes"),
    )


def test_radar_summary_names_the_lowest_wellbeing() -> None:
    summary = _charts()["wellbeing-radar"].summary

    assert summary.startswith("Lowest wellbeing: Partner B in Decision-making (0 of 100).")


def test_disagreements_draw_one_dumbbell_per_item_on_a_half_to_five_and_a_half_axis() -> None:
    result = _result()
    chart = _charts(result)["disagreements"]
    connector, a, b = figure_json(chart)["data"]

    assert [d.item_id for d in result.disagreements] == [
        "dec-w1",
        "dec-w2",
        "com-s1",
        "com-s2",
        "com-w3",
    ]
    assert a["x"] == [d.keyed_a for d in result.disagreements]
    assert b["x"] == [d.keyed_b for d in result.disagreements]
    assert connector["mode"] == "lines"
    assert connector["x"][:3] == [5, 1, None]
    assert (a["marker"]["symbol"], b["marker"]["symbol"]) == ("circle", "diamond")
    assert (a["marker"]["color"], b["marker"]["color"]) == (PARTNER_A, PARTNER_B)
    assert _layout(chart)["xaxis"]["range"] == [0.5, 5.5]
    assert a["y"][0].replace("<br>", " ") == "My views count when we make plans."


def test_long_item_text_is_shortened_with_an_ellipsis_in_the_figure_only() -> None:
    long_text = "When we disagree about money, " * 5
    result = _result()
    item = dataclasses.replace(result.disagreements[0], text=long_text)
    chart = _charts(dataclasses.replace(result, disagreements=(item,)))["disagreements"]
    label = _trace(chart, 1)["y"][0].replace("<br>", " ")

    assert label.endswith("…")
    assert len(label) <= 60
    assert chart.table.rows[0][0] == long_text


def test_no_safety_item_text_reaches_any_chart() -> None:
    for chart in report_charts(_result()):
        assert SAFETY_TEXT not in json.dumps(figure_json(chart))
        assert SAFETY_TEXT not in json.dumps(dataclasses.asdict(chart.table))
        assert SAFETY_TEXT not in chart.summary


def test_a_safety_item_slipped_into_the_disagreements_is_still_left_out() -> None:
    result = _result()
    leaked = ItemDisagreement("com-w2", "communication", SAFETY_TEXT, 5, 2, 3, "safety")
    charts = report_charts(dataclasses.replace(result, disagreements=(leaked,)))

    for chart in charts:
        assert SAFETY_TEXT not in json.dumps(figure_json(chart))
        assert SAFETY_TEXT not in json.dumps(dataclasses.asdict(chart.table))


def test_pca_shows_agreement_percentages_on_a_0_to_100_axis() -> None:
    chart = _charts()["pca"]

    assert _bars_by_label(chart) == {"Decision-making": 0.0, "Communication": 50.0}
    assert _trace(chart)["text"] == ["0%", "50%"]
    assert _layout(chart)["xaxis"]["range"] == [0, 100]


def test_pca_mentions_the_areas_it_leaves_out() -> None:
    summary = _charts()["pca"].summary

    assert "Not shown for Trust and security" in summary


def test_every_report_chart_has_a_summary_and_one_table_row_per_plotted_point() -> None:
    for chart in report_charts(_result()):
        first = _trace(chart, 1 if chart.key == "disagreements" else 0)
        plotted = first["r"] if first["type"] == "scatterpolar" else first["y"]
        assert chart.summary
        assert chart.table.caption
        assert len(chart.table.rows) == len(plotted)
        assert all(len(row) == len(chart.table.columns) for row in chart.table.rows)


def test_numbers_are_rounded_for_display_half_away_from_zero() -> None:
    rows = _charts()["balance-bars"].table.rows

    assert rows[0][1:] == ("+1.00", "Partner A", "0.00", "+1.00", "+1.00")
    assert rows[1][1:] == ("0.00", "Neither (about equal)", "1.00", "+1.00", "-1.00")


def test_swapping_names_changes_the_legend_labels() -> None:
    charts = _charts(names=("Sam", "Alex"))
    swapped = _charts(names=("Alex", "Sam"))

    assert [t["name"] for t in figure_json(charts["wellbeing-radar"])["data"]] == ["Sam", "Alex"]
    assert [t["name"] for t in figure_json(swapped["wellbeing-radar"])["data"]] == ["Alex", "Sam"]
    assert charts["balance-bars"].table.columns[-2:] == ("Sam's view p", "Alex's view p")
    assert _traces_named(charts["disagreements"]).keys() >= {"Sam", "Alex"}


def test_names_with_markup_are_escaped_in_figures_but_kept_raw_in_tables() -> None:
    chart = _charts(names=("<b>Sam</b>", "Alex & co"))["wellbeing-radar"]

    assert [t["name"] for t in figure_json(chart)["data"]] == [
        "&lt;b&gt;Sam&lt;/b&gt;",
        "Alex &amp; co",
    ]
    assert chart.table.columns[1] == "<b>Sam</b>'s wellbeing"


def test_area_titles_given_by_the_caller_replace_the_results_titles() -> None:
    chart = _charts(area_titles={"decisions": "Deciding together"})["area-ranking"]

    assert _trace(chart)["y"][0] == "Deciding together"


def test_no_scored_area_gives_empty_charts_that_say_so() -> None:
    result = _result({}, {})
    charts = report_charts(result)

    assert tuple(chart.key for chart in charts) == KEYS
    for chart in charts:
        assert chart.summary == NOT_ENOUGH_ANSWERS
        assert chart.table.rows == ()
        assert chart.table.columns
        assert figure_json(chart)["data"] == []
        assert _layout(chart)["annotations"][0]["text"] == NOT_ENOUGH_ANSWERS


def test_scored_areas_without_disagreements_say_so() -> None:
    chart = _charts(_result(HEALTHY, HEALTHY))["disagreements"]

    assert chart.summary == NO_DISAGREEMENTS
    assert figure_json(chart)["data"] == []
    assert chart.table.rows == ()


# --- size -----------------------------------------------------------------------------------

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


def _nine_answers(seed: int) -> dict[str, int]:
    return {item.id: 1 + (position * seed) % 5 for position, item in enumerate(NINE_ITEMS)}


def _nine_charts() -> tuple[Chart, ...]:
    results = [compare(NINE, _nine_answers(s), _nine_answers(s + 2), ()) for s in (1, 2, 3, 7)]
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

    assert all(len(_trace(chart)) for chart in charts)
    sizes = {chart.key: len(json.dumps(figure_json(chart))) for chart in charts}
    assert max(sizes.values()) < 6000, sizes


def test_horizontal_bar_charts_grow_with_their_rows() -> None:
    small = _charts()["area-ranking"].figure.layout.height
    large = report_charts(compare(NINE, _nine_answers(1), _nine_answers(3), ()))[0]

    assert large.figure.layout.height > small


def test_figure_json_is_plain_json() -> None:
    data = figure_json(report_charts(_result())[0])

    assert set(data) == {"data", "layout"}
    assert json.loads(json.dumps(data)) == data


# --- trend over re-assessments --------------------------------------------------------------


def _points() -> tuple[Any, ...]:
    bad, good = _result(), _result(HEALTHY, HEALTHY)
    labels = ("2026-01-10", "2026-04-02", "2026-06-20")
    return trend(list(zip(labels, (bad, good, good), strict=True)), INSTRUMENT)


def test_trend_draws_the_overall_index_thicker_in_the_accent_colour() -> None:
    chart = trend_chart(_points())
    traces = _traces_named(chart)
    overall = traces["Overall balance index"]

    assert chart.key == "trend"
    assert overall["y"] == [56, 0, 0]
    assert overall["x"] == ["2026-01-10", "2026-04-02", "2026-06-20"]
    assert overall["line"] == {"color": "#0e6b78", "width": 4}
    assert all(traces[t]["line"]["width"] < 4 for t in traces if t != "Overall balance index")
    assert _layout(chart)["yaxis"]["range"] == [0, 100]


def test_trend_stars_a_reliable_change_and_says_so_in_the_table() -> None:
    chart = trend_chart(_points())
    overall = _traces_named(chart)["Overall balance index"]

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
    traces = _traces_named(chart)

    assert traces["Trust"]["y"] == [None, 0, 0]
    assert traces["Decisions"]["y"] == [80, 0, 0]
    assert chart.table.rows[0][3:] == ("80", "31", "—")
    assert chart.table.rows[1][3:] == ("0 (reliable change)", "0 (reliable change)", "0")


def test_trend_shows_only_the_three_areas_highest_now_by_default() -> None:
    result = compare(NINE, _nine_answers(1), _nine_answers(3), ())
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
    funnel = _trace(chart)

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
    bar = _trace(chart)

    assert chart.key == "top-areas"
    assert bar["y"] == ["Trust", "Communication", "Finances"]
    assert bar["x"] == [7, 5, 3]
    assert _layout(chart)["xaxis"]["dtick"] == 1
    assert chart.summary == "Trust is the top imbalance area for the most couples (7 of 15)."


def test_workloads_are_grouped_bars_of_couples_and_open_assignments() -> None:
    chart = workload_chart([("Counsellor 1", 12, 3), ("Counsellor 2", 8, 5)])
    traces = _traces_named(chart)

    assert chart.key == "workloads"
    assert _layout(chart)["barmode"] == "group"
    assert traces["Active couples"]["y"] == [12, 8]
    assert traces["Open assignments"]["y"] == [3, 5]
    assert traces["Active couples"]["x"] == ["Counsellor 1", "Counsellor 2"]
    assert chart.table.rows == (("Counsellor 1", "12", "3"), ("Counsellor 2", "8", "5"))


def test_practice_trend_plots_monthly_means_with_gaps_for_empty_months() -> None:
    chart = practice_trend_chart(
        [("2026-07", 41.25, 10), ("2026-08", None, 0), ("2026-09", 34.5, 12)]
    )
    line = _trace(chart)

    assert chart.key == "index-trend"
    assert line["y"] == [41.2, None, 34.5]
    assert _layout(chart)["yaxis"]["range"] == [0, 100]
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
    assert _layout(chart)["title"]["text"] == chart.title


def test_funnel_with_nobody_assigned_does_not_divide_by_zero() -> None:
    chart = funnel_chart([("Assigned", 0), ("Compared", 0)])

    assert chart.table.rows == (("Assigned", "0", "—"), ("Compared", "0", "—"))


# --- any answers at all ---------------------------------------------------------------------

answers = st.dictionaries(
    st.sampled_from([item.id for item in ITEMS]), st.integers(min_value=1, max_value=5)
)


@settings(max_examples=25, deadline=None)
@given(a=answers, b=answers)
def test_any_answers_give_five_charts_without_the_safety_item(
    a: dict[str, int], b: dict[str, int]
) -> None:
    charts = report_charts(_result(a, b))

    assert tuple(chart.key for chart in charts) == KEYS
    for chart in charts:
        text = json.dumps(figure_json(chart))
        assert SAFETY_TEXT not in text
        assert SAFETY_TEXT not in json.dumps(dataclasses.asdict(chart.table))
        assert len(text) < 6000
        assert chart.summary
