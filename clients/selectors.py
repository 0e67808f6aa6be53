"""Reads of clients, couples and invitations, always starting from the practice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from uuid import UUID

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404
from django_scopes import scopes_disabled

from assessments import safety_status as safety
from assessments.models import Comparison
from assessments.selectors import (
    AssignmentProgress,
    PartnerProgress,
    assignment_progress,
    assignments_with_progress,
    latest_assignments,
    with_latest_result,
)
from clients.models import Client, Couple, Invitation
from clients.tokens import token_hash
from practice.models import Membership, Practice


def couples_visible_to(practice: Practice, member: Membership) -> QuerySet[Couple]:
    """Admins see every couple of the practice (names and status); counsellors their own."""
    couples = Couple.objects.filter(practice=practice).select_related("partner_a", "partner_b")
    if member.is_admin:
        return couples
    return couples.filter(counsellors=member)


def couple_for_member(practice: Practice, member: Membership, public_id: UUID | str) -> Couple:
    """One couple the member may open, or 404 (also for another practice's couple)."""
    couple = couples_visible_to(practice, member).filter(public_id=public_id).first()
    if couple is None:
        raise Http404
    return couple


def is_assigned_counsellor(couple: Couple, member: Membership) -> bool:
    """Only a couple's own counsellors read answers, reports and safety flags."""
    return member.is_counsellor and couple.counsellors.filter(pk=member.pk).exists()


def couple_for_counsellor(practice: Practice, member: Membership, public_id: UUID | str) -> Couple:
    """A couple whose clinical data the member may read: assigned counsellors only, else 404."""
    couple = couple_for_member(practice, member, public_id)
    if not is_assigned_counsellor(couple, member):
        raise Http404
    return couple


def search_couples(couples: QuerySet[Couple], query: str) -> QuerySet[Couple]:
    query = query.strip()
    if not query:
        return couples
    return couples.filter(
        Q(partner_a__display_name__icontains=query) | Q(partner_b__display_name__icontains=query)
    )


def counsellor_choices(practice: Practice) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(practice=practice, is_counsellor=True, is_active=True)
        .select_related("user")
        .order_by("user__full_name")
    )


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation behind a link. The token is all we have, and it does not say which practice
    it belongs to, so this is the one lookup that runs before any scope is active; the caller
    activates the invitation's practice scope right after."""
    with scopes_disabled():
        return (
            Invitation.objects.select_related("practice")
            .filter(token_hash=token_hash(token))
            .first()
        )


# Caseload and couple page ----------------------------------------------------------------------


def caseload(
    practice: Practice, member: Membership, *, query: str = "", status: str = Couple.Status.ACTIVE
) -> QuerySet[Couple]:
    """The couples a member sees on the caseload, with everything a row shows prefetched, so a
    page costs the same few queries whatever its length."""
    return (
        search_couples(couples_visible_to(practice, member), query)
        .filter(status=status)
        .prefetch_related(
            Prefetch("counsellors", queryset=_counsellors()),
            Prefetch("assignments", queryset=latest_assignments(), to_attr="latest_assignments"),
        )
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class CaseloadRow:
    couple: Couple
    counsellors: list[Membership]
    latest: AssignmentProgress | None


def caseload_rows(couples: Iterable[Couple]) -> list[CaseloadRow]:
    """Rows for couples fetched through `caseload` (reads only what it prefetched)."""
    rows = []
    for couple in couples:
        latest = getattr(couple, "latest_assignments", [])
        rows.append(
            CaseloadRow(
                couple=couple,
                counsellors=list(couple.counsellors.all()),
                latest=assignment_progress(latest[0], couple) if latest else None,
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

    @property
    def assignment_results(self) -> list[tuple[AssignmentProgress, Comparison | None]]:
        """Each assignment with its latest done comparison (for its own counsellors)."""
        return [(p, self.results.get(p.assignment.pk)) for p in self.assignments]

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


def _done_comparisons() -> QuerySet[Comparison]:
    """Done comparisons, newest first, light, each with its own `safety_status`."""
    return (
        Comparison.objects.filter(status=Comparison.Status.DONE)
        .only(*_RESULT_COLUMNS)
        .annotate(safety_status=safety.comparison_safety_status())
        .order_by(F("finished_at").desc(nulls_last=True), "-pk")
    )


def couple_page(couple: Couple, member: Membership) -> CouplePage:
    """The couple page for a couple the member may open (see `couple_for_member`). Its own
    counsellors also get each assignment's latest result and the couple's safety status."""
    prefetch_related_objects([couple], Prefetch("counsellors", queryset=_counsellors()))
    counsellors = list(couple.counsellors.all())
    assigned = member.is_counsellor and any(m.pk == member.pk for m in counsellors)
    assignments = assignments_with_progress()
    if assigned:
        assignments = assignments.prefetch_related(
            Prefetch("comparisons", queryset=_done_comparisons(), to_attr="done_comparisons")
        )
    prefetch_related_objects(
        [couple], Prefetch("assignments", queryset=assignments, to_attr="all_assignments")
    )
    all_assignments = couple.all_assignments  # type: ignore[attr-defined]
    page = CouplePage(
        couple=couple,
        counsellors=counsellors,
        assignments=[assignment_progress(a, couple) for a in all_assignments],
        member_is_assigned=assigned,
    )
    if not assigned:
        return page
    return replace(
        page,
        safety_status=safety.safety_status_of(couple),
        open_flags=list(safety.open_flags(couple)),
        results={a.pk: a.done_comparisons[0] for a in all_assignments if a.done_comparisons},
    )


def invitation_for_couple(couple: Couple, public_id: UUID | str) -> Invitation:
    """One invitation of the couple's assignments, or 404 (also another couple's)."""
    invitation = (
        Invitation.objects.select_related("client", "practice", "assignment")
        .filter(assignment__couple=couple, public_id=public_id)
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


def _counsellors() -> QuerySet[Membership]:
    return Membership.objects.select_related("user").order_by("user__full_name")


# API reads ------------------------------------------------------------------------------------


def clients_visible_to(practice: Practice, member: Membership) -> QuerySet[Client]:
    """The partners of the couples the member may see, each with its couple's public id and
    side (`couple_public_id`, `side`)."""
    couples = couples_visible_to(practice, member)
    as_a = Couple.objects.filter(practice=practice).values("partner_a")
    own_couple = Couple.objects.filter(practice=practice).filter(
        Q(partner_a=OuterRef("pk")) | Q(partner_b=OuterRef("pk"))
    )
    return (
        Client.objects.filter(practice=practice)
        .filter(Q(pk__in=couples.values("partner_a")) | Q(pk__in=couples.values("partner_b")))
        .annotate(
            couple_public_id=Subquery(own_couple.values("public_id")[:1]),
            side=Case(When(pk__in=as_a, then=Value("a")), default=Value("b")),
        )
        .order_by("display_name", "pk")
    )


def client_for_member(practice: Practice, member: Membership, public_id: UUID | str) -> Client:
    client = clients_visible_to(practice, member).filter(public_id=public_id).first()
    if client is None:
        raise Http404
    return client


def couples_for_api(
    practice: Practice,
    member: Membership,
    *,
    status: str | None = None,
    counsellor: UUID | None = None,
    query: str = "",
    ordering: Iterable[str] = ("-created_at", "-pk"),
) -> QuerySet[Couple]:
    """The couples the member may see, filtered, with their counsellors prefetched, and with
    `caller_counsels` (the member is one of the couple's counsellors), `safety_status` and the
    latest result (see `with_latest_result`), which only the couple's counsellors may be shown."""
    couples = search_couples(couples_visible_to(practice, member), query)
    if status:
        couples = couples.filter(status=status)
    if counsellor is not None:
        couples = couples.filter(counsellors__public_id=counsellor)
    counsels = Couple.counsellors.through.objects.filter(
        couple_id=OuterRef("pk"), membership_id=member.pk
    )
    return (
        safety.with_safety_status(with_latest_result(couples))
        .annotate(
            caller_counsels=Exists(counsels)
            if member.is_counsellor
            else Value(False, output_field=BooleanField())
        )
        .prefetch_related(Prefetch("counsellors", queryset=_counsellors()))
        .order_by(*ordering)
    )


def counsellors_by_public_ids(practice: Practice, public_ids: Iterable[UUID]) -> list[Membership]:
    """This practice's active counsellors among the ids (unknown ids are simply left out)."""
    return list(counsellor_choices(practice).filter(public_id__in=list(public_ids)))


def invitations_visible_to(
    practice: Practice, member: Membership, *, assignment: UUID | None = None
) -> QuerySet[Invitation]:
    """Invitations of the assignments of couples the member may see (never the token)."""
    couples = couples_visible_to(practice, member)
    invitations = (
        Invitation.objects.filter(practice=practice, assignment__couple__in=couples)
        .select_related("client", "assignment", "practice")
        .order_by("-created_at", "partner", "pk")
    )
    if assignment is not None:
        invitations = invitations.filter(assignment__public_id=assignment)
    return invitations


def invitation_for_member(
    practice: Practice, member: Membership, public_id: UUID | str
) -> Invitation:
    invitation = invitations_visible_to(practice, member).filter(public_id=public_id).first()
    if invitation is None:
        raise Http404
    return invitation
