"""The counsellor's home: their couples with the latest result and safety status, what just
finished, what failed. Reads only couples the member counsels, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from assessments.models import Assignment, Comparison, InstrumentVersion
from assessments.safety_status import SafetyStatus, couple_safety_status, with_safety_status
from assessments.selectors import with_latest_result
from clients.models import Couple
from practice.models import Membership, Practice

RECENT = timedelta(days=7)


@dataclass(frozen=True)
class Caseload:
    couples: Sequence[Couple]
    just_finished: list[Comparison]
    failed: list[Comparison]
    overdue: int
    waiting: int

    @property
    def safety_reviews(self) -> int:
        """Couples listed whose safety status is `review`."""
        return sum(
            1 for c in self.couples if getattr(c, "safety_status", "") == SafetyStatus.REVIEW
        )


def _mine(practice: Practice, member: Membership) -> QuerySet[Comparison]:
    return Comparison.objects.filter(
        practice=practice, assignment__couple__counsellors=member
    ).select_related(
        "assignment__instrument_version", "assignment__couple__partner_a",
        "assignment__couple__partner_b",
    )  # fmt: skip


def area_titles() -> dict[str, str]:
    """Area titles by slug across the library (check-ins reuse the inventory's slugs)."""
    titles: dict[str, str] = {}
    for version in InstrumentVersion.objects.only("definition"):
        titles.update({area["slug"]: area["title"] for area in version.areas})
    return titles


def caseload(practice: Practice, member: Membership) -> Caseload:
    mine = Couple.objects.filter(practice=practice, counsellors=member, status="active")
    couples = list(
        with_safety_status(with_latest_result(mine))
        .select_related("partner_a", "partner_b")
        .order_by("partner_a__display_name")
    )
    titles = area_titles()
    for couple in couples:
        slug = getattr(couple, "latest_top_area", "") or ""
        couple.latest_top_area_title = titles.get(slug, slug)  # type: ignore[attr-defined]
    today = timezone.localdate()
    open_assignments = Assignment.objects.filter(
        practice=practice, couple__counsellors=member, couple__status="active"
    ).exclude(comparisons__isnull=False)
    return Caseload(
        couples=couples,
        just_finished=list(
            _mine(practice, member)
            .filter(status="done", finished_at__gte=timezone.now() - RECENT)
            .annotate(couple_safety_status=couple_safety_status("assignment__couple_id"))
            .order_by("-finished_at")[:10]
        ),
        failed=list(_mine(practice, member).filter(status="failed").order_by("-created_at")),
        overdue=open_assignments.filter(due_date__lt=today).count(),
        waiting=open_assignments.count(),
    )
