"""Everything the couple report shows, read in a fixed number of queries and shaped for the
template: the latest comparison, its charts, the safety panel and the trend across
re-assessments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.utils.safestring import SafeString

from assessments import safety_status as safety
from assessments.assignments.selectors import assignment_for_counsellor
from assessments.engine import scoring
from assessments.engine.scales import SCALES
from assessments.models import Assignment, Comparison
from assessments.reports.figures import report_figures
from assessments.reports.names import in_partners_names, partner_names
from practice.models import Membership, Practice


@dataclass(frozen=True)
class FlagView:
    partner_name: str
    level: str
    area_title: str
    item_text: str
    answer_label: str


@dataclass(frozen=True)
class Report:
    assignment: Assignment
    comparison: Comparison | None
    names: tuple[str, str]
    result: scoring.ComparisonResult | None = None
    area_titles: dict[str, str] = field(default_factory=dict)
    # The charts and the trend chart, rendered (see figures.py); no trend before two results.
    charts_html: SafeString = field(default_factory=SafeString)
    trend_html: SafeString = field(default_factory=SafeString)
    flags: list[FlagView] = field(default_factory=list)
    item_texts: dict[str, str] = field(default_factory=dict)
    # The couple's safety status (shown in the header in place of, or beside, the band) and the
    # open flags this report's safety panel does not cover (other assessments, earlier answers).
    safety_status: str = safety.SafetyStatus.NONE
    other_open_flags: list[Comparison] = field(default_factory=list)

    @property
    def ranked_areas(self) -> list[scoring.AreaResult]:
        """Scored areas by index, highest first, then those with too few answers."""
        if self.result is None:
            return []
        by_slug = {area.slug: area for area in self.result.areas}
        unscored = [area for area in self.result.areas if not area.scored]
        return [by_slug[slug] for slug in self.result.ranked_areas] + unscored

    @property
    def topics(self) -> list[tuple[scoring.TopicSuggestion, str]]:
        """Suggestions with their rationale in the partners' names (results are stored with
        neutral labels so a stored result holds no personal data)."""
        if self.result is None:
            return []
        return [
            (topic, in_partners_names(topic.rationale, self.names)) for topic in self.result.topics
        ]

    @property
    def safety_banner(self) -> bool:
        return (
            bool(self.flags)
            and self.comparison is not None
            and (self.comparison.safety_cleared_at is None)
        )


def _flags(
    result: scoring.ComparisonResult,
    items: dict[str, dict[str, Any]],
    titles: dict[str, str],
    names: tuple[str, str],
) -> list[FlagView]:
    return [
        FlagView(
            partner_name=names[0] if flag.partner == "a" else names[1],
            level=flag.level,
            area_title=titles.get(flag.area, flag.area),
            item_text=items[flag.item_id]["text"],
            answer_label=SCALES[items[flag.item_id]["kind"]][flag.answer - 1],
        )
        for flag in result.safety_flags
    ]


def couple_report(practice: Practice, member: Membership, assignment_id: UUID | str) -> Report:
    assignment = assignment_for_counsellor(
        practice=practice, member=member, public_id=assignment_id
    )
    couple = assignment.couple
    names = partner_names(couple)
    comparison = assignment.comparisons.order_by("-created_at").first()
    open_flags = list(safety.open_flags(couple))
    safety_status = safety.status_of_open_flags(open_flags)
    other_open_flags = [c for c in open_flags if comparison is None or c.pk != comparison.pk]
    if comparison is None or comparison.status != Comparison.Status.DONE:
        return Report(
            assignment,
            comparison,
            names,
            safety_status=safety_status,
            other_open_flags=other_open_flags,
        )
    result = comparison.as_result()
    assert result is not None  # a done comparison always has its result
    version = assignment.instrument_version
    titles = {area["slug"]: area["title"] for area in version.areas}
    items = {item["id"]: item for item in version.items}
    charts_html, trend_html = report_figures(
        practice=practice,
        comparison=comparison,
        result=result,
        names=names,
        version=version,
        titles=titles,
    )
    return Report(
        assignment=assignment,
        comparison=comparison,
        names=names,
        result=result,
        area_titles=titles,
        charts_html=charts_html,
        trend_html=trend_html,
        flags=_flags(result, items, titles, names),
        item_texts={item_id: item["text"] for item_id, item in items.items()},
        safety_status=safety_status,
        other_open_flags=other_open_flags,
    )
