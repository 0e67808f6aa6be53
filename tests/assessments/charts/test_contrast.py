"""Colours pass WCAG 2.2 AA contrast in every chart (and in the band badges' colour pairs).

Text needs 4.5:1 against what it sits on (1.4.3); lines, markers and bar edges, the parts of a chart
that carry its meaning, need 3:1 against the page (1.4.11). The stylesheet's badges and pills are
text on a background in real pages, which axe-core's colour-contrast rule checks on every page
(tests/browser/test_accessibility.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from assessments.charts.base import BAND_COLOURS, BAND_TEXT, TEXT, WHITE
from tests.assessments.charts.example import every_kind_of_chart

PAGE = WHITE
TEXT_RATIO = 4.5
GRAPHIC_RATIO = 3.0


def luminance(colour: str) -> float:
    hex_ = colour.lstrip("#")
    assert len(hex_) == 6, f"expected #rrggbb, got {colour!r}"

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(hex_[i : i + 2], 16) / 255) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_matches_known_pairs() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def colours(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]


def traces() -> Iterator[tuple[str, Any]]:
    for chart in every_kind_of_chart():
        for trace in chart.figure.data:
            yield f"{chart.key}/{trace.name}", trace


@pytest.mark.parametrize("band", sorted(BAND_COLOURS))
def test_text_on_each_band_colour_reads_at_4_5_to_1(band: str) -> None:
    assert contrast(BAND_TEXT[band], BAND_COLOURS[band]) >= TEXT_RATIO


def test_chart_text_reads_at_4_5_to_1_on_the_page() -> None:
    for chart in every_kind_of_chart():
        layout = chart.figure.layout
        font = layout.font.color or layout.template.layout.font.color
        assert contrast(font, PAGE) >= TEXT_RATIO, chart.key
        hover = layout.template.layout.hoverlabel
        assert contrast(hover.font.color, hover.bgcolor) >= TEXT_RATIO, chart.key


def test_every_bar_has_an_edge_at_3_to_1_and_its_labels_read_on_it() -> None:
    bars = [(name, t) for name, t in traces() if t.type == "bar"]
    assert bars
    for name, bar in bars:
        fills = colours(bar.marker.color)
        assert fills, name
        edge = bar.marker.line.color
        for fill in fills:
            visible = contrast(fill, PAGE) >= GRAPHIC_RATIO
            outlined = (
                edge is not None
                and (bar.marker.line.width or 0) >= 1
                and contrast(edge, PAGE) >= GRAPHIC_RATIO
            )
            assert visible or outlined, f"{name}: bar {fill} has no edge at 3:1"
        inside = colours(bar.insidetextfont.color) if bar.text is not None else []
        if len(inside) == len(fills):
            for text, fill in zip(inside, fills, strict=True):
                assert contrast(text, fill) >= TEXT_RATIO, f"{name}: {text} on {fill}"
        elif inside:
            for text in inside:
                assert all(contrast(text, fill) >= TEXT_RATIO for fill in fills), name
        for text in colours(bar.outsidetextfont.color):
            assert contrast(text, PAGE) >= TEXT_RATIO, name


def test_every_line_and_marker_stands_out_at_3_to_1() -> None:
    scatters = [(name, t) for name, t in traces() if t.type in ("scatter", "scatterpolar")]
    assert scatters
    for name, trace in scatters:
        drawn = colours(trace.line.color) if trace.mode and "lines" in trace.mode else []
        if trace.mode and "markers" in trace.mode:
            drawn += colours(trace.marker.color)
        for colour in drawn:
            if colour.startswith("#"):
                assert contrast(colour, PAGE) >= GRAPHIC_RATIO, f"{name}: {colour}"


def test_chart_text_colour_is_the_page_text() -> None:
    assert contrast(TEXT, PAGE) >= 7  # AAA for the body text the charts share
