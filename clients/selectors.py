"""Reads of clients, couples and invitations, always starting from the practice."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db.models import (
    Case,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django_scopes import scope

from clients.models import Client, Couple, Invitation
from clients.tokens import token_hash
from practice.models import Membership, Practice
from practice.selectors import one_or_404, practice_of_token


def couples_visible_to(*, practice: Practice, member: Membership) -> QuerySet[Couple]:
    """Admins see every couple of the practice (names and status); counsellors their own."""
    couples = Couple.objects.filter(practice=practice).select_related("partner_a", "partner_b")
    if member.is_admin:
        return couples
    return couples.filter(counsellors=member)


def couple_for_member(*, practice: Practice, member: Membership, public_id: UUID | str) -> Couple:
    """One couple the member may open, or 404 (also for another practice's couple)."""
    return one_or_404(couples_visible_to(practice=practice, member=member), public_id)


def is_assigned_counsellor(*, couple: Couple, member: Membership) -> bool:
    """Only a couple's own counsellors read answers, reports and safety flags."""
    return member.is_counsellor and couple.counsellors.filter(pk=member.pk).exists()


def couple_for_counsellor(
    *, practice: Practice, member: Membership, public_id: UUID | str
) -> Couple:
    """A couple whose clinical data the member may read: assigned counsellors only, else 404."""
    couple = couple_for_member(practice=practice, member=member, public_id=public_id)
    if not is_assigned_counsellor(couple=couple, member=member):
        raise Http404
    return couple


def search_couples(*, couples: QuerySet[Couple], query: str) -> QuerySet[Couple]:
    query = query.strip()
    if not query:
        return couples
    return couples.filter(
        Q(partner_a__display_name__icontains=query) | Q(partner_b__display_name__icontains=query)
    )


def counsellor_choices(*, practice: Practice) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(practice=practice, is_counsellor=True, is_active=True)
        .select_related("user")
        .order_by("user__full_name")
    )


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation behind a link. The token is all we have, and it does not say which practice
    it belongs to: its practice is found first (on PostgreSQL through the one function allowed to
    read invitations across practices, which returns the practice id alone), then the invitation
    is read inside that practice's scope; the caller keeps the scope for everything after."""
    hashed = token_hash(token)
    practice = practice_of_token("fulcrum_invitation_practice", Invitation, hashed)
    if practice is None:
        return None
    with scope(practice=practice):
        return Invitation.objects.select_related("practice").filter(token_hash=hashed).first()


def invitation_for_couple(*, couple: Couple, public_id: UUID | str) -> Invitation:
    """One invitation of the couple's assignments, or 404 (also another couple's)."""
    invitations = Invitation.objects.select_related("client", "practice", "assignment")
    return one_or_404(invitations.filter(assignment__couple=couple), public_id)


def counsellors_by_name() -> QuerySet[Membership]:
    return Membership.objects.select_related("user").order_by("user__full_name")


# API reads ------------------------------------------------------------------------------------


def clients_visible_to(*, practice: Practice, member: Membership) -> QuerySet[Client]:
    """The partners of the couples the member may see, each with its couple's public id and
    side (`couple_public_id`, `side`)."""
    couples = couples_visible_to(practice=practice, member=member)
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


def client_for_member(*, practice: Practice, member: Membership, public_id: UUID | str) -> Client:
    return one_or_404(clients_visible_to(practice=practice, member=member), public_id)


def counsellors_by_public_ids(
    *, practice: Practice, public_ids: Iterable[UUID]
) -> list[Membership]:
    """This practice's active counsellors among the ids (unknown ids are simply left out)."""
    return list(counsellor_choices(practice=practice).filter(public_id__in=list(public_ids)))


def invitations_visible_to(
    *, practice: Practice, member: Membership, assignment: UUID | None = None
) -> QuerySet[Invitation]:
    """Invitations of the assignments of couples the member may see (never the token)."""
    couples = couples_visible_to(practice=practice, member=member)
    invitations = (
        Invitation.objects.filter(practice=practice, assignment__couple__in=couples)
        .select_related("client", "assignment", "practice")
        .order_by("-created_at", "partner", "pk")
    )
    if assignment is not None:
        invitations = invitations.filter(assignment__public_id=assignment)
    return invitations


def invitation_for_member(
    *, practice: Practice, member: Membership, public_id: UUID | str
) -> Invitation:
    return one_or_404(invitations_visible_to(practice=practice, member=member), public_id)
