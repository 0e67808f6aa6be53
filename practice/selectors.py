from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from practice.models import Membership, Practice


def members_of(practice: Practice) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(practice=practice)
        .select_related("user")
        .order_by("-is_active", "user__full_name")
    )


def member_by_public_id(practice: Practice, public_id: str) -> Membership:
    """One member of this practice, or 404 (also for another practice's member)."""
    return get_object_or_404(members_of(practice), public_id=public_id)
