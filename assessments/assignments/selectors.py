"""Reads of assignments and each partner's progress, always from the practice."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, TextChoices
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from assessments.library.selectors import HEAVY_VERSION_FIELDS
from assessments.models import (
    Assignment,
    Comparison,
    Response,
)
from clients.models import Client, Couple, Invitation, Partner
from clients.selectors import couples_visible_to
from practice.models import Membership, Practice
from practice.selectors import one_or_404

# Loaded with every assignment row otherwise, and never shown on these pages.


class Stage(TextChoices):
    NOT_OPENED = "not_opened", "Not opened"
    OPENED = "opened", "Opened"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"


@dataclass(frozen=True)
class PartnerProgress:
    side: str
    client: Client
    invitation: Invitation | None
    stage: str
    percent: int
    answers_version: int
    submitted_at: datetime.datetime | None

    @property
    def is_submitted(self) -> bool:
        return self.stage == Stage.SUBMITTED

    @property
    def was_reopened(self) -> bool:
        return self.answers_version > 1


@dataclass(frozen=True)
class AssignmentProgress:
    assignment: Assignment
    partners: tuple[PartnerProgress, ...]
    is_overdue: bool

    @property
    def submitted_count(self) -> int:
        return sum(1 for partner in self.partners if partner.is_submitted)

    @property
    def summary(self) -> str:
        return f"{self.submitted_count} of {len(self.partners)} submitted"


def progress_prefetches() -> tuple[Prefetch[Any], ...]:
    """What `assignment_progress` reads, fetched in one query each for any number of rows."""
    return (
        Prefetch("invitations", queryset=Invitation.objects.all()),
        Prefetch("responses", queryset=Response.objects.defer("answers", "item_order")),
    )


def assignments_with_progress() -> QuerySet[Assignment]:
    return (
        Assignment.objects.select_related("instrument_version")
        .defer(*(f"instrument_version__{name}" for name in HEAVY_VERSION_FIELDS))
        .prefetch_related(*progress_prefetches())
        .order_by("-created_at", "-pk")
    )


def latest_assignments() -> QuerySet[Assignment]:
    """Each couple's newest assignment only (for a prefetch over many couples)."""
    newer = Assignment.objects.filter(couple_id=OuterRef("couple_id")).filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    )
    return assignments_with_progress().filter(~Exists(newer))


def _partner_progress(
    client: Client,
    side: str,
    invitation: Invitation | None,
    response: Response | None,
    item_count: int,
) -> PartnerProgress:
    answered = response.answered_count if response is not None else 0
    percent = min(100, round(100 * answered / item_count)) if item_count else 0
    if response is not None and response.submitted_at is not None:
        stage = Stage.SUBMITTED
    elif answered:
        stage = Stage.IN_PROGRESS
    elif invitation is not None and invitation.opened_at is not None:
        stage = Stage.OPENED
    else:
        stage = Stage.NOT_OPENED
    return PartnerProgress(
        side=side,
        client=client,
        invitation=invitation,
        stage=stage,
        percent=percent,
        answers_version=response.answers_version if response is not None else 1,
        submitted_at=response.submitted_at if response is not None else None,
    )


def assignment_progress(*, assignment: Assignment, couple: Couple) -> AssignmentProgress:
    """Each partner's link and progress on the current answers version. Reads only prefetched
    rows (see `progress_prefetches`), so a list of assignments costs no query per row."""
    invitations = {invitation.partner: invitation for invitation in assignment.invitations.all()}
    current: dict[str, Response] = {}
    for response in assignment.responses.all():
        kept = current.get(response.partner)
        if kept is None or response.answers_version > kept.answers_version:
            current[response.partner] = response
    item_count = assignment.instrument_version.item_count
    partners = tuple(
        _partner_progress(
            couple.partner(side), side, invitations.get(side), current.get(side), item_count
        )
        for side in (Partner.A, Partner.B)
    )
    submitted = sum(1 for partner in partners if partner.is_submitted)
    due = assignment.due_date
    overdue = due is not None and due < timezone.localdate() and submitted < len(partners)
    return AssignmentProgress(assignment=assignment, partners=partners, is_overdue=overdue)


def assignment_for_couple(*, couple: Couple, public_id: UUID | str) -> Assignment:
    """One of the couple's assignments, or 404 (also for another couple's or practice's)."""
    return get_object_or_404(
        Assignment.objects.select_related("instrument_version").defer(
            *(f"instrument_version__{name}" for name in HEAVY_VERSION_FIELDS)
        ),
        couple=couple,
        public_id=public_id,
    )


def current_response(*, assignment: Assignment, partner: str) -> Response | None:
    """The partner's latest answers version (without loading the answers)."""
    return (
        Response.objects.defer("answers", "item_order")
        .filter(assignment=assignment, partner=partner)
        .order_by("-answers_version")
        .first()
    )


LATEST_RESULT_COLUMNS = {
    "latest_comparison": "public_id",
    "latest_assignment": "assignment__public_id",
    "latest_index": "overall_index",
    "latest_band": "overall_band",
    "latest_top_area": "top_area",
    "latest_finished_at": "finished_at",
    "latest_instrument_slug": "assignment__instrument_version__instrument__slug",
    "latest_instrument_title": "assignment__instrument_version__title",
}


def _latest_done(column: str) -> Subquery:
    return Subquery(
        Comparison.objects.filter(assignment__couple_id=OuterRef("pk"), status="done")
        .order_by(F("finished_at").desc(nulls_last=True), "-pk")
        .values(column)[:1]
    )


def with_latest_result(*, couples: QuerySet[Couple]) -> QuerySet[Couple]:
    """The couples, each with its latest done comparison's columns (`latest_index`, ...,
    `latest_instrument_title`; all None without one)."""
    return couples.annotate(
        **{name: _latest_done(column) for name, column in LATEST_RESULT_COLUMNS.items()}
    )


ASSIGNMENT_STATUSES = ("open", "submitted")


def _latest_submitted(side: str) -> Exists:
    newer = Response.objects.filter(
        assignment=OuterRef("assignment"),
        partner=OuterRef("partner"),
        answers_version__gt=OuterRef("answers_version"),
    )
    return Exists(
        Response.objects.filter(
            assignment=OuterRef("pk"), partner=side, submitted_at__isnull=False
        ).exclude(Exists(newer))
    )


def assignments_visible_to(
    *,
    practice: Practice,
    member: Membership,
    couple: UUID | None = None,
    status: str | None = None,
) -> QuerySet[Assignment]:
    """Assignments of the couples the member may see, with what `assignment_progress` reads
    and each one's comparisons (newest first, light) prefetched. `status`: `submitted` when
    both partners' latest answers are submitted, else `open`."""
    assignments = (
        assignments_with_progress()
        .filter(practice=practice, couple__in=couples_visible_to(practice=practice, member=member))
        .select_related("couple__partner_a", "couple__partner_b")
        .annotate(a_submitted=_latest_submitted("a"), b_submitted=_latest_submitted("b"))
        .prefetch_related(
            Prefetch(
                "comparisons",
                queryset=Comparison.objects.only(
                    "public_id", "status", "assignment_id", "created_at"
                ).order_by("-created_at", "-pk"),
                to_attr="newest_comparisons",
            )
        )
    )
    if couple is not None:
        assignments = assignments.filter(couple__public_id=couple)
    if status == "submitted":
        assignments = assignments.filter(a_submitted=True, b_submitted=True)
    elif status == "open":
        assignments = assignments.exclude(a_submitted=True, b_submitted=True)
    return assignments


def assignment_for_member(
    *, practice: Practice, member: Membership, public_id: UUID | str
) -> Assignment:
    return one_or_404(assignments_visible_to(practice=practice, member=member), public_id)


def assignment_for_counsellor(
    *, practice: Practice, member: Membership, public_id: UUID | str
) -> Assignment:
    """An assignment whose clinical data (report, agenda) the member may read: its couple's own
    counsellors only. Anyone else, and another practice's assignment, gets the same 404 as a
    missing one."""
    # Whether the member counsels the couple comes with the row (as `is_assigned_counsellor`
    # decides it), not in a query of its own.
    counsels = Couple.counsellors.through.objects.filter(
        couple_id=OuterRef("couple_id"), membership_id=member.pk
    )
    assignments = (
        Assignment.objects.filter(practice=practice)
        .select_related("couple__partner_a", "couple__partner_b", "instrument_version")
        .annotate(member_counsels=Exists(counsels))
    )
    assignment = one_or_404(assignments, public_id)
    if not (member.is_counsellor and assignment.member_counsels):  # type: ignore[attr-defined]
        raise Http404
    return assignment


def counselled_couple_ids(*, member: Membership) -> set[int]:
    """The couples whose clinical data the member may read (as one of their counsellors)."""
    if not member.is_counsellor:
        return set()
    return set(Couple.objects.filter(counsellors=member).values_list("pk", flat=True))
