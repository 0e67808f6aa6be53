"""The couple report's charts, rendered once per comparison and kept in `ReportFigures`.

Building the Plotly figures and rendering them cost most of a report view, and their inputs
change rarely: the stored result (a re-score rewrites it), the partners' names, the instrument's
area titles, the couple's other comparisons (for the trend) and the chart code itself. Each
rendering is stored with a digest of those inputs, so a view whose inputs are unchanged reads
the HTML back and anything else renders afresh; nothing has to tell this module that a result
changed. The rows live in the database beside the comparison rather than in Redis: they hold
names and clinical numbers, and they are erased with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import plotly
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from assessments.charts import base as charts_base
from assessments.charts import report as report_module
from assessments.charts import trend as trend_module
from assessments.charts.base import ChartView
from assessments.charts.report import report_charts
from assessments.charts.trend import trend_chart
from assessments.comparisons.selectors import comparison_trend
from assessments.engine import scoring
from assessments.models import Comparison, InstrumentVersion, ReportFigures
from practice.models import Practice

CHARTS_TEMPLATE = "includes/report_charts.html"
CHART_TEMPLATE = "includes/chart.html"
_Kind = ReportFigures.Kind


@cache
def _code_version() -> str:
    """A digest of the code that draws the charts: a release that changes a chart renders every
    report's charts again instead of serving the old drawing."""
    digest = hashlib.sha256(plotly.__version__.encode())
    for module in (charts_base, report_module, trend_module):
        digest.update(Path(module.__file__ or "").read_bytes())
    templates = Path(__file__).resolve().parents[2] / "templates" / "includes"
    for name in ("chart.html", "report_charts.html"):
        digest.update((templates / name).read_bytes())
    return digest.hexdigest()


def _fingerprint(*parts: Any) -> str:
    text = json.dumps([_code_version(), *parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(comparison: Comparison) -> dict[str, ReportFigures]:
    rows = ReportFigures.objects.filter(comparison=comparison).only("kind", "fingerprint", "html")
    return {row.kind: row for row in rows}


def _store(
    practice: Practice, comparison: Comparison, kind: str, fingerprint: str, html: str
) -> None:
    values = {"fingerprint": fingerprint, "html": html}
    updated = ReportFigures.objects.filter(comparison=comparison, kind=kind).update(**values)
    if updated:
        return
    try:
        with transaction.atomic():
            ReportFigures.objects.create(
                practice=practice, comparison=comparison, kind=kind, **values
            )
    except IntegrityError:
        # Another view of the same report stored it first, from the same inputs.
        pass


def _render_charts(views: Sequence[ChartView]) -> str:
    return render_to_string(CHARTS_TEMPLATE, {"charts": views})


def _render_trend(view: ChartView) -> str:
    return render_to_string(
        CHART_TEMPLATE, {"chart": view.chart, "figure": view.figure, "figure_id": view.figure_id}
    )


def _trend_inputs(practice: Practice, comparison: Comparison) -> list[tuple[Any, ...]]:
    """What the trend is drawn from, without reading the results: a re-score sets a new
    `finished_at` and algorithm or parameters, and a comparison's answers never change."""
    version = comparison.assignment.instrument_version
    rows = Comparison.objects.filter(
        practice=practice,
        assignment__couple_id=comparison.assignment.couple_id,
        assignment__instrument_version__instrument_id=version.instrument_id,
        status=Comparison.Status.DONE,
        finished_at__isnull=False,
    ).order_by("finished_at", "pk")
    return list(
        rows.values_list(
            "pk",
            "assignment__instrument_version_id",
            "algorithm_version",
            "params_hash",
            "finished_at",
            "overall_index",
        )
    )


def _trend_html(practice: Practice, comparison: Comparison, titles: dict[str, str]) -> str:
    points = [point for _, point in comparison_trend(practice=practice, comparison=comparison)]
    # One point is not a trend: the page says so in a sentence instead of drawing a dot.
    if sum(point.overall_index is not None for point in points) < 2:
        return ""
    return _render_trend(ChartView.of(trend_chart(points, area_titles=titles)))


def _reuse_or_render(
    stored: dict[str, ReportFigures],
    practice: Practice,
    comparison: Comparison,
    kind: str,
    fingerprint: str,
    render: Callable[[], str],
) -> SafeString:
    row = stored.get(kind)
    if row is not None and row.fingerprint == fingerprint:
        html = row.html
    else:
        html = render()
        _store(practice, comparison, kind, fingerprint, html)
    # Rendered by the templates above with autoescaping on, from a result the product wrote.
    return mark_safe(html)  # noqa: S308


def report_figures(
    *,
    practice: Practice,
    comparison: Comparison,
    result: scoring.ComparisonResult,
    names: tuple[str, str],
    version: InstrumentVersion,
    titles: dict[str, str],
) -> tuple[SafeString, SafeString]:
    """The report's charts and its trend chart (empty when there is no trend yet), as HTML."""
    stored = _stored(comparison)
    charts = _reuse_or_render(
        stored,
        practice,
        comparison,
        _Kind.CHARTS,
        _fingerprint(
            "charts",
            comparison.algorithm_version,
            comparison.params_hash,
            comparison.result,
            names,
            version.pk,
            titles,
        ),
        lambda: _render_charts(
            [ChartView.of(c) for c in report_charts(result, names=names, area_titles=titles)]
        ),
    )
    trend = _reuse_or_render(
        stored,
        practice,
        comparison,
        _Kind.TREND,
        _fingerprint(
            "trend", comparison.pk, version.pk, titles, _trend_inputs(practice, comparison)
        ),
        lambda: _trend_html(practice, comparison, titles),
    )
    return charts, trend
