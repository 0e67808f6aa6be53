"""The safety status of a comparison and of a couple: the one place the safety override's rule
is written down (product.md, "Safety override").

A comparison's flag stays open from the moment it is raised until a counsellor records the
individual check-ins, however old the comparison. A couple is in `review` while any done
comparison of any of its assignments has an open urgent flag, else in `caution` while one has an
open caution flag. Everything here is a database expression, so a list of any length gets its
statuses in the query that fetches it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import (
    Case,
    CharField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    TextChoices,
    Value,
    When,
)

from assessments.models import Comparison
from clients.models import Couple

URGENT = "urgent"
CAUTION = "caution"


class SafetyStatus(TextChoices):
    NONE = "none", "No open safety flag"
    CAUTION = "caution", "Check-in advised"
    REVIEW = "review", "Safety review"


def open_flag(level: str, *, prefix: str = "") -> Q:
    """Comparisons (or rows reaching one through `prefix`) with an open flag of this level."""
    return Q(
        **{
            f"{prefix}status": Comparison.Status.DONE,
            f"{prefix}safety_level": level,
            f"{prefix}safety_cleared_at__isnull": True,
        }
    )


def comparison_safety_status() -> Case:
    """A comparison's own open level, for a queryset of comparisons."""
    return Case(
        When(open_flag(URGENT), then=Value(SafetyStatus.REVIEW)),
        When(open_flag(CAUTION), then=Value(SafetyStatus.CAUTION)),
        default=Value(SafetyStatus.NONE),
        output_field=CharField(),
    )


def couple_has_open_flag(level: str, couple: str = "pk") -> Exists:
    """True for rows whose couple (see `couple_safety_status`) has an open flag of this level."""
    return Exists(
        Comparison.objects.filter(open_flag(level), assignment__couple_id=OuterRef(couple))
    )


def couple_safety_status(couple: str = "pk") -> Case:
    """The couple's status, for a queryset whose `couple` field (a path to the couple's id,
    e.g. `assignment__couple_id` from a comparison) names the couple."""
    return Case(
        When(couple_has_open_flag(URGENT, couple), then=Value(SafetyStatus.REVIEW)),
        When(couple_has_open_flag(CAUTION, couple), then=Value(SafetyStatus.CAUTION)),
        default=Value(SafetyStatus.NONE),
        output_field=CharField(),
    )


def with_safety_status(couples: QuerySet[Couple]) -> QuerySet[Couple]:
    """The couples, each with `safety_status`."""
    return couples.annotate(safety_status=couple_safety_status())


def safety_status_of(couple: Couple) -> str:
    """One couple's status (one query)."""
    status = (
        Couple.objects.filter(pk=couple.pk)
        .annotate(safety_status=couple_safety_status())
        .values_list("safety_status", flat=True)
        .first()
    )
    return status or SafetyStatus.NONE


def status_of_open_flags(flags: Iterable[Comparison]) -> str:
    """The couple's status from its `open_flags` (already read), without another query."""
    statuses = {flag.safety_status for flag in flags}  # type: ignore[attr-defined]
    for status in (SafetyStatus.REVIEW, SafetyStatus.CAUTION):
        if status in statuses:
            return status
    return SafetyStatus.NONE


def open_flags(couple: Couple) -> QuerySet[Comparison]:
    """The couple's comparisons with an open flag, urgent first, each with `safety_status`."""
    return (
        Comparison.objects.filter(assignment__couple=couple)
        .filter(open_flag(URGENT) | open_flag(CAUTION))
        .annotate(safety_status=comparison_safety_status())
        .select_related("assignment__instrument_version")
        .order_by(
            Case(When(safety_level=URGENT, then=Value(0)), default=Value(1)),
            "-finished_at",
            "-pk",
        )
    )
