"""The couple report's charts: traces, ranges, labels and their text alternatives."""

from __future__ import annotations

import dataclasses
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.charts.base import (
    BAND_COLOURS,
    INSUFFICIENT,
    NO_DISAGREEMENTS,
    NOT_ENOUGH_ANSWERS,
    PARTNER_A,
    PARTNER_B,
    figure_json,
)
from assessments.charts.report import report_charts
from assessments.engine.scoring import (
    ItemDisagreement,
)
from tests.assessments.charts.example import (
    ANSWERS_A,
    ANSWERS_B,
    HEALTHY,
    ITEMS,
    KEYS,
    SAFETY_TEXT,
    bars_by_label,
    charts_by_key,
    example_result,
    layout_of,
    trace_of,
    traces_named,
)

# --- the couple report ----------------------------------------------------------------------


def test_the_example_scores_as_the_module_docstring_says() -> None:
    result = example_result()

    assert [(a.slug, a.index, a.band and a.band.value) for a in result.areas] == [
        ("decisions", 80, "severe"),
        ("communication", 31, "watch"),
        ("trust", None, None),
    ]
    assert result.safety_flags


def test_report_charts_come_in_the_documented_order() -> None:
    charts = report_charts(example_result())

    assert tuple(chart.key for chart in charts) == KEYS


def test_every_chart_key_is_safe_as_an_html_id() -> None:
    for chart in report_charts(example_result()):
        assert re.fullmatch(r"[a-z][a-z0-9-]*", chart.key)


def test_report_chart_trace_types_match_the_chart_kind() -> None:
    types = {key: [t["type"] for t in figure_json(c)["data"]] for key, c in charts_by_key().items()}

    assert types == {
        "area-ranking": ["bar"],
        "balance-bars": ["bar"],
        "wellbeing-radar": ["scatterpolar", "scatterpolar"],
        "disagreements": ["scatter", "scatter", "scatter"],
        "pca": ["bar"],
    }


def test_every_figure_has_a_title_and_titled_axes() -> None:
    for chart in report_charts(example_result()):
        layout = layout_of(chart)
        assert layout["title"]["text"] == chart.title
        if chart.key == "wellbeing-radar":
            assert layout["polar"]["radialaxis"]["title"]["text"]
        else:
            assert layout["xaxis"]["title"]["text"]
            assert layout["yaxis"]["title"]["text"]


def test_figures_use_the_small_house_template_not_plotlys_default() -> None:
    template = layout_of(report_charts(example_result())[0])["template"]

    assert template["layout"]["font"] == {
        "family": "system-ui, sans-serif",
        "size": 14,
        "color": "#1a1f24",
    }
    assert template["layout"]["paper_bgcolor"] == "rgba(0,0,0,0)"
    assert "colorway" not in template["layout"]


def test_area_ranking_puts_the_highest_index_first_with_a_0_to_100_axis() -> None:
    chart = charts_by_key()["area-ranking"]
    bar = trace_of(chart)

    assert bar["orientation"] == "h"
    assert bar["y"] == ["Decision-making", "Communication", "Trust and security"]
    assert bar["x"] == [80, 31, 0]
    assert layout_of(chart)["xaxis"]["range"] == [0, 100]
    assert layout_of(chart)["yaxis"]["autorange"] == "reversed"


def test_area_ranking_bars_take_their_band_colour() -> None:
    bar = trace_of(charts_by_key()["area-ranking"])

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
    bar = trace_of(charts_by_key()["area-ranking"])

    assert bar["text"] == ["80 (Severe)", "31 (Watch)", INSUFFICIENT]


def test_an_unscored_area_is_ranked_last_as_insufficient_answers() -> None:
    chart = charts_by_key()["area-ranking"]

    assert bars_by_label(chart)["Trust and security"] == 0
    assert chart.table.rows[-1] == ("Trust and security", "—", INSUFFICIENT, "1 of 4", "4 of 4")
    assert "Insufficient answers in Trust and security" in chart.summary


def test_a_zero_length_bar_keeps_its_label_beside_it() -> None:
    bar = trace_of(charts_by_key()["area-ranking"])

    # Plotly draws no "auto" text on a bar of length 0.
    assert bar["textposition"] == ["auto", "auto", "outside"]


def test_ranking_summary_gives_the_overall_index_and_the_top_area() -> None:
    summary = charts_by_key()["area-ranking"].summary

    assert summary.startswith("Overall balance index 56 (Imbalanced).")
    assert "Highest imbalance: Decision-making at 80 (Severe)." in summary


def test_balance_bar_is_positive_when_partner_a_holds_more_say() -> None:
    chart = charts_by_key()["balance-bars"]

    assert bars_by_label(chart) == {"Decision-making": 1.0, "Communication": 0.0}
    assert trace_of(chart)["marker"]["color"][0] == PARTNER_A


def test_balance_bar_is_negative_when_partner_b_holds_more_say() -> None:
    swapped = example_result(ANSWERS_B, ANSWERS_A)
    chart = charts_by_key(swapped)["balance-bars"]

    assert bars_by_label(chart)["Decision-making"] == -1.0
    assert trace_of(chart)["marker"]["color"][0] == PARTNER_B
    assert "Partner B holds more say (c = -1.00)" in chart.summary


def test_balance_bars_span_minus_one_to_one() -> None:
    assert layout_of(charts_by_key()["balance-bars"])["xaxis"]["range"] == [-1, 1]


def test_balance_bar_text_shows_the_perception_gap() -> None:
    chart = charts_by_key()["balance-bars"]

    assert trace_of(chart)["text"] == ["gap 0.00", "gap 1.00"]
    assert "They see Communication most differently (gap 1.00)." in chart.summary


def test_balance_bars_name_each_partner_at_their_end_of_the_axis() -> None:
    axis = layout_of(charts_by_key(names=("Sam", "Alex"))["balance-bars"])["xaxis"]

    assert axis["ticktext"][0] == "-1<br>← Alex"
    assert axis["ticktext"][-1] == "+1<br>Sam →"


def test_balance_bar_hover_gives_each_partners_own_view() -> None:
    hover = trace_of(charts_by_key()["balance-bars"])["customdata"][1]

    assert hover == (
        "c = 0.00, about equal; gap 1.00; Partner A's view +1.00, Partner B's view -1.00"
    )


def test_unscored_area_is_left_out_of_balance_radar_and_pca() -> None:
    charts = charts_by_key()

    for key in ("balance-bars", "wellbeing-radar", "pca"):
        assert "Trust and security" not in json.dumps(figure_json(charts[key])["data"])
        assert all(row[0] != "Trust and security" for row in charts[key].table.rows)


def test_radar_plots_each_partners_wellbeing_on_a_0_to_100_axis() -> None:
    result = example_result()
    chart = charts_by_key(result)["wellbeing-radar"]
    traces = traces_named(chart)
    scored = [area for area in result.areas if area.scored]

    assert traces["Partner A"]["r"] == [area.wellbeing_a for area in scored]
    assert traces["Partner B"]["r"] == [area.wellbeing_b for area in scored]
    assert traces["Partner A"]["theta"] == ["Decision-making", "Communication"]
    assert layout_of(chart)["polar"]["radialaxis"]["range"] == [0, 100]


def test_long_area_titles_wrap_around_the_radar_but_not_in_the_table() -> None:
    title = "Emotional connection and appreciation"
    chart = charts_by_key(area_titles={"decisions": title})["wellbeing-radar"]
    theta = trace_of(chart)["theta"][0]

    assert "<br>" in theta
    assert theta.replace("<br>", " ") == title
    assert chart.table.rows[0][0] == title


def test_radar_marks_meaningful_gaps_in_hover_and_table() -> None:
    chart = charts_by_key()["wellbeing-radar"]

    assert traces_named(chart)["Partner B"]["customdata"] == [
        "0, meaningful gap",
        "50, meaningful gap",
    ]
    assert chart.table.rows == (
        ("Decision-making", "100", "0", "yes"),
        ("Communication", "88", "50", "yes"),
    )


def test_radar_summary_names_the_lowest_wellbeing() -> None:
    summary = charts_by_key()["wellbeing-radar"].summary

    assert summary.startswith("Lowest wellbeing: Partner B in Decision-making (0 of 100).")


def test_disagreements_draw_one_dumbbell_per_item_on_a_half_to_five_and_a_half_axis() -> None:
    result = example_result()
    chart = charts_by_key(result)["disagreements"]
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
    assert layout_of(chart)["xaxis"]["range"] == [0.5, 5.5]
    assert a["y"][0].replace("<br>", " ") == "My views count when we make plans."


def test_long_item_text_is_shortened_with_an_ellipsis_in_the_figure_only() -> None:
    long_text = "When we disagree about money, " * 5
    result = example_result()
    item = dataclasses.replace(result.disagreements[0], text=long_text)
    chart = charts_by_key(dataclasses.replace(result, disagreements=(item,)))["disagreements"]
    label = trace_of(chart, 1)["y"][0].replace("<br>", " ")

    assert label.endswith("…")
    assert len(label) <= 60
    assert chart.table.rows[0][0] == long_text


def test_no_safety_item_text_reaches_any_chart() -> None:
    for chart in report_charts(example_result()):
        assert SAFETY_TEXT not in json.dumps(figure_json(chart))
        assert SAFETY_TEXT not in json.dumps(dataclasses.asdict(chart.table))
        assert SAFETY_TEXT not in chart.summary


def test_a_safety_item_slipped_into_the_disagreements_is_still_left_out() -> None:
    result = example_result()
    leaked = ItemDisagreement("com-w2", "communication", SAFETY_TEXT, 5, 2, 3, "safety")
    charts = report_charts(dataclasses.replace(result, disagreements=(leaked,)))

    for chart in charts:
        assert SAFETY_TEXT not in json.dumps(figure_json(chart))
        assert SAFETY_TEXT not in json.dumps(dataclasses.asdict(chart.table))


def test_pca_shows_agreement_percentages_on_a_0_to_100_axis() -> None:
    chart = charts_by_key()["pca"]

    assert bars_by_label(chart) == {"Decision-making": 0.0, "Communication": 50.0}
    assert trace_of(chart)["text"] == ["0%", "50%"]
    assert layout_of(chart)["xaxis"]["range"] == [0, 100]


def test_pca_mentions_the_areas_it_leaves_out() -> None:
    summary = charts_by_key()["pca"].summary

    assert "Not shown for Trust and security" in summary


def test_every_report_chart_has_a_summary_and_one_table_row_per_plotted_point() -> None:
    for chart in report_charts(example_result()):
        first = trace_of(chart, 1 if chart.key == "disagreements" else 0)
        plotted = first["r"] if first["type"] == "scatterpolar" else first["y"]
        assert chart.summary
        assert chart.table.caption
        assert len(chart.table.rows) == len(plotted)
        assert all(len(row) == len(chart.table.columns) for row in chart.table.rows)


def test_numbers_are_rounded_for_display_half_away_from_zero() -> None:
    rows = charts_by_key()["balance-bars"].table.rows

    assert rows[0][1:] == ("+1.00", "Partner A", "0.00", "+1.00", "+1.00")
    assert rows[1][1:] == ("0.00", "Neither (about equal)", "1.00", "+1.00", "-1.00")


def test_swapping_names_changes_the_legend_labels() -> None:
    charts = charts_by_key(names=("Sam", "Alex"))
    swapped = charts_by_key(names=("Alex", "Sam"))

    assert [t["name"] for t in figure_json(charts["wellbeing-radar"])["data"]] == ["Sam", "Alex"]
    assert [t["name"] for t in figure_json(swapped["wellbeing-radar"])["data"]] == ["Alex", "Sam"]
    assert charts["balance-bars"].table.columns[-2:] == ("Sam's view p", "Alex's view p")
    assert traces_named(charts["disagreements"]).keys() >= {"Sam", "Alex"}


def test_names_with_markup_are_escaped_in_figures_but_kept_raw_in_tables() -> None:
    chart = charts_by_key(names=("<b>Sam</b>", "Alex & co"))["wellbeing-radar"]

    assert [t["name"] for t in figure_json(chart)["data"]] == [
        "&lt;b&gt;Sam&lt;/b&gt;",
        "Alex &amp; co",
    ]
    assert chart.table.columns[1] == "<b>Sam</b>'s wellbeing"


def test_area_titles_given_by_the_caller_replace_the_results_titles() -> None:
    chart = charts_by_key(area_titles={"decisions": "Deciding together"})["area-ranking"]

    assert trace_of(chart)["y"][0] == "Deciding together"


def test_no_scored_area_gives_empty_charts_that_say_so() -> None:
    result = example_result({}, {})
    charts = report_charts(result)

    assert tuple(chart.key for chart in charts) == KEYS
    for chart in charts:
        assert chart.summary == NOT_ENOUGH_ANSWERS
        assert chart.table.rows == ()
        assert chart.table.columns
        assert figure_json(chart)["data"] == []
        assert layout_of(chart)["annotations"][0]["text"] == NOT_ENOUGH_ANSWERS


def test_scored_areas_without_disagreements_say_so() -> None:
    chart = charts_by_key(example_result(HEALTHY, HEALTHY))["disagreements"]

    assert chart.summary == NO_DISAGREEMENTS
    assert figure_json(chart)["data"] == []
    assert chart.table.rows == ()


# --- any answers at all ---------------------------------------------------------------------

answers = st.dictionaries(
    st.sampled_from([item.id for item in ITEMS]), st.integers(min_value=1, max_value=5)
)


@settings(max_examples=25, deadline=None)
@given(a=answers, b=answers)
def test_any_answers_give_five_charts_without_the_safety_item(
    a: dict[str, int], b: dict[str, int]
) -> None:
    charts = report_charts(example_result(a, b))

    assert tuple(chart.key for chart in charts) == KEYS
    for chart in charts:
        text = json.dumps(figure_json(chart))
        assert SAFETY_TEXT not in text
        assert SAFETY_TEXT not in json.dumps(dataclasses.asdict(chart.table))
        assert len(text) < 6000
        assert chart.summary
