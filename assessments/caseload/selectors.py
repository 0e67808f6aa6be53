"""Read models of the caseload: the counsellor's home (their couples with the latest result and
safety status, what just finished, what failed), the couples list, the couple page and the couples
of the API. Each costs a fixed number of queries whatever the caseload's size."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
    Value,
    Window,
    prefetch_related_objects,
)
from django.utils import timezone

from assessments import safety_status as safety
from assessments.assignments.selectors import (
    AssignmentProgress,
    PartnerProgress,
    assignment_progress,
    assignments_with_progress,
    latest_assignments,
    with_latest_result,
)
from assessments.models import Assignment, Comparison, InstrumentVersion
from assessments.safety_status import SafetyStatus, couple_safety_status, with_safety_status
from clients.models import Client, Couple, Invitation
from clients.selectors import counsellors_by_name, couples_visible_to, search_couples
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


def caseload(*, practice: Practice, member: Membership) -> Caseload:
    mine = Couple.objects.filter(practice=practice, counsellors=member, status="active")
    couples = list(
        with_safety_status(with_latest_result(couples=mine))
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


def couple_list(
    *, practice: Practice, member: Membership, query: str = "", status: str = Couple.Status.ACTIVE
) -> QuerySet[Couple]:
    """The couples a member sees on the couples list, with everything a row shows prefetched,
    so a page costs the same few queries whatever its length."""
    return (
        search_couples(couples=couples_visible_to(practice=practice, member=member), query=query)
        .filter(status=status)
        .prefetch_related(
            Prefetch("counsellors", queryset=counsellors_by_name()),
            Prefetch("assignments", queryset=latest_assignments(), to_attr="latest_assignments"),
        )
        .order_by("-created_at", "-pk")
    )


def one_page(couples: QuerySet[Couple], number: object, per_page: int) -> Page[Couple]:
    """The page `number` of `couples`, as `Paginator.get_page` picks it (the first page for a
    malformed number, the last for one past the end), with the total counted in the page's own
    query (a window over the filtered rows) instead of a query of its own."""
    try:
        wanted = max(1, int(str(number)))
    except ValueError:
        wanted = 1
    counted = couples.annotate(total_rows=Window(Count("pk")))
    rows = list(counted[(wanted - 1) * per_page : wanted * per_page])
    paginator: Paginator[Couple] = Paginator(couples, per_page)
    if rows:
        # `count` is a cached property: setting it is what a first call would have cached.
        vars(paginator)["count"] = rows[0].total_rows
        return Page(rows, wanted, paginator)
    # Past the end (or nothing at all): the rare path, counted and read as before.
    return paginator.get_page(wanted)


@dataclass(frozen=True)
class CoupleRow:
    couple: Couple
    counsellors: list[Membership]
    latest: AssignmentProgress | None


def couple_rows(*, couples: Iterable[Couple]) -> list[CoupleRow]:
    """Rows for couples fetched through `couple_list` (reads only what it prefetched)."""
    rows = []
    for couple in couples:
        latest = getattr(couple, "latest_assignments", [])
        rows.append(
            CoupleRow(
                couple=couple,
                counsellors=list(couple.counsellors.all()),
                latest=assignment_progress(assignment=latest[0], couple=couple) if latest else None,
            )
        )
    return rows


@dataclass(frozen=True)
class CouplePage:
    """What the couple page shows: statuses of people, links and progress, never answers."""

    couple: Couple
    counsellors: list[Membership]
    assignments: list[AssignmentProgress]
    # Reopening answers is clinical work: only the couple's own counsellors do it.
    member_is_assigned: bool
    # Results and safety flags are for the couple's own counsellors only: empty for anyone else.
    safety_status: str = safety.SafetyStatus.NONE
    open_flags: list[Comparison] = field(default_factory=list)
    results: dict[int, Comparison] = field(default_factory=dict)
    # Each assignment's newest comparison whatever its state (queued, running, done, failed).
    latest: dict[int, Comparison] = field(default_factory=dict)

    @property
    def assignment_results(
        self,
    ) -> list[tuple[AssignmentProgress, Comparison | None, Comparison | None]]:
        """Each assignment with its latest done comparison and its newest comparison of any
        state (both only for its own counsellors)."""
        return [
            (p, self.results.get(p.assignment.pk), self.latest.get(p.assignment.pk))
            for p in self.assignments
        ]

    @property
    def partners(self) -> list[tuple[str, Client]]:
        return [("Partner A", self.couple.partner_a), ("Partner B", self.couple.partner_b)]

    @property
    def wrong_person_reports(self) -> list[PartnerProgress]:
        return [
            partner
            for progress in self.assignments
            for partner in progress.partners
            if partner.invitation is not None
            and partner.invitation.state == Invitation.State.WRONG_PERSON
        ]


_RESULT_COLUMNS = (
    "assignment_id", "public_id", "overall_index", "overall_band", "status", "safety_level",
    "safety_cleared_at", "finished_at",
)  # fmt: skip
_STATE_COLUMNS = (*_RESULT_COLUMNS, "attempts", "last_error", "created_at")


def _comparisons_newest_first() -> QuerySet[Comparison]:
    """Comparisons in every state, newest first, light, each with its own `safety_status`."""
    return (
        Comparison.objects.only(*_STATE_COLUMNS)
        .annotate(safety_status=safety.comparison_safety_status())
        .order_by("-created_at", "-pk")
    )


def _latest_done(comparisons: Iterable[Comparison]) -> Comparison | None:
    done = [c for c in comparisons if c.status == Comparison.Status.DONE]
    return max(done, key=lambda c: (c.finished_at is not None, c.finished_at, c.pk), default=None)


def couple_page(*, couple: Couple, member: Membership) -> CouplePage:
    """The couple page for a couple the member may open (see `couple_for_member`). Its own
    counsellors also get each assignment's latest result and the couple's safety status."""
    prefetch_related_objects([couple], Prefetch("counsellors", queryset=counsellors_by_name()))
    counsellors = list(couple.counsellors.all())
    assigned = member.is_counsellor and any(m.pk == member.pk for m in counsellors)
    assignments = assignments_with_progress()
    if assigned:
        assignments = assignments.prefetch_related(
            Prefetch("comparisons", queryset=_comparisons_newest_first(), to_attr="newest_first")
        )
    prefetch_related_objects(
        [couple], Prefetch("assignments", queryset=assignments, to_attr="all_assignments")
    )
    all_assignments = couple.all_assignments  # type: ignore[attr-defined]
    page = CouplePage(
        couple=couple,
        counsellors=counsellors,
        assignments=[assignment_progress(assignment=a, couple=couple) for a in all_assignments],
        member_is_assigned=assigned,
    )
    if not assigned:
        return page
    return replace(
        page,
        safety_status=safety.safety_status_of(couple),
        open_flags=list(safety.open_flags(couple)),
        results={a.pk: done for a in all_assignments if (done := _latest_done(a.newest_first))},
        latest={a.pk: a.newest_first[0] for a in all_assignments if a.newest_first},
    )


def couples_for_api(
    *,
    practice: Practice,
    member: Membership,
    status: str | None = None,
    counsellor: UUID | None = None,
    query: str = "",
    ordering: Iterable[str] = ("-created_at", "-pk"),
) -> QuerySet[Couple]:
    """The couples the member may see, filtered, with their counsellors prefetched, and with
    `caller_counsels` (the member is one of the couple's counsellors), `safety_status` and the
    latest result (see `with_latest_result`), which only the couple's counsellors may be shown."""
    couples = search_couples(
        couples=couples_visible_to(practice=practice, member=member), query=query
    )
    if status:
        couples = couples.filter(status=status)
    if counsellor is not None:
        couples = couples.filter(counsellors__public_id=counsellor)
    counsels = Couple.counsellors.through.objects.filter(
        couple_id=OuterRef("pk"), membership_id=member.pk
    )
    return (
        safety.with_safety_status(with_latest_result(couples=couples))
        .annotate(
            caller_counsels=Exists(counsels)
            if member.is_counsellor
            else Value(False, output_field=BooleanField())
        )
        .prefetch_related(Prefetch("counsellors", queryset=counsellors_by_name()))
        .order_by(*ordering)
    )
