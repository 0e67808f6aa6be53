"""Reads of comparisons: the couple's own counsellors only; trends never mix instruments."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from assessments.engine import scoring
from assessments.models import (
    Comparison,
)
from assessments.safety_status import comparison_safety_status
from practice.models import Membership, Practice
from practice.selectors import one_or_404


def comparisons_for_counsellor(
    *,
    practice: Practice,
    member: Membership,
    assignment: UUID | None = None,
    couple: UUID | None = None,
    status: str | None = None,
) -> QuerySet[Comparison]:
    """Comparisons of the couples the member counsels. Anyone else, admins included, sees
    none: comparisons are clinical data."""
    if not member.is_counsellor:
        return Comparison.objects.none()
    comparisons = (
        Comparison.objects.filter(practice=practice, assignment__couple__counsellors=member)
        .select_related("assignment__couple")
        .annotate(safety_status=comparison_safety_status())
        .order_by("-created_at", "-pk")
    )
    if assignment is not None:
        comparisons = comparisons.filter(assignment__public_id=assignment)
    if couple is not None:
        comparisons = comparisons.filter(assignment__couple__public_id=couple)
    if status:
        comparisons = comparisons.filter(status=status)
    return comparisons


def comparison_for_counsellor(
    *, practice: Practice, member: Membership, public_id: UUID | str
) -> Comparison:
    comparisons = comparisons_for_counsellor(practice=practice, member=member)
    return one_or_404(comparisons.select_related("assignment__instrument_version"), public_id)


def comparison_trend(
    *, practice: Practice, comparison: Comparison
) -> list[tuple[Comparison, scoring.TrendPoint]]:
    """The couple's finished comparisons of the same instrument in time order, each paired with
    its trend point (indices and reliable change against the one before), read with the
    comparison's own instrument version. Other instruments are other scales: never mixed in."""
    version = comparison.assignment.instrument_version
    history = (
        Comparison.objects.filter(
            practice=practice,
            assignment__couple_id=comparison.assignment.couple_id,
            assignment__instrument_version__instrument_id=version.instrument_id,
            status=Comparison.Status.DONE,
            finished_at__isnull=False,
        )
        .select_related("assignment__instrument_version")
        .order_by("finished_at", "pk")
    )
    pairs = [(c, c.as_result()) for c in history]
    scored = [(c, result) for c, result in pairs if result is not None]
    points = scoring.trend(
        [(f"{c.finished_at:%d %b %Y}", result) for c, result in scored], version.as_definition()
    )
    return [(c, point) for (c, _), point in zip(scored, points, strict=True)]
