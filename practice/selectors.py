from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Model, QuerySet
from django.http import Http404
from django_scopes import scopes_disabled

from practice.models import Membership, Practice

M = TypeVar("M", bound=Model)


def one_or_404(rows: QuerySet[M], public_id: UUID | str) -> M:
    """The row of `rows` (what the caller may see) with this public id, or 404: a row the caller
    may not see, another practice's, a missing one and a malformed id all answer alike."""
    try:
        row = rows.filter(public_id=public_id).first()
    except ValidationError:
        row = None
    if row is None:
        raise Http404
    return row


def members_of(*, practice: Practice) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(practice=practice)
        .select_related("user")
        .order_by("-is_active", "user__full_name")
    )


def member_by_public_id(*, practice: Practice, public_id: UUID | str) -> Membership:
    """One member of this practice, or 404 (also for another practice's member)."""
    return one_or_404(members_of(practice=practice), public_id)


def membership_practice_id(membership_id: int) -> int | None:
    """Which practice a membership belongs to, for the operator's admin, which opens a membership
    by its id alone. On PostgreSQL only a narrow owner's function may look across practices, and
    it answers the practice id and nothing else."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT fulcrum_membership_practice(%s)", [membership_id])
            row = cursor.fetchone()
        return None if row is None else row[0]
    with scopes_disabled():
        return (
            Membership.objects.filter(pk=membership_id)
            .values_list("practice_id", flat=True)
            .first()
        )


def practice_of_token(lookup: str, model: type[Model], hashed: str) -> Practice | None:
    """The practice a link's token belongs to, found before any scope is active (the token does
    not say): on PostgreSQL through `lookup`, the one owner's function allowed to read that table
    across practices, which returns the practice id alone; elsewhere with the scope checks off."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # `lookup` is one of the migrations' function names, never input.
            cursor.execute(f"SELECT {lookup}(%s)", [hashed])
            practice_id = cursor.fetchone()[0]
    else:
        with scopes_disabled():
            found = model._default_manager.filter(token_hash=hashed)
            practice_id = found.values_list("practice_id", flat=True).first()
    return Practice.objects.filter(pk=practice_id).first() if practice_id else None
