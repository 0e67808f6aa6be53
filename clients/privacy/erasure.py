"""Erasing a client (GDPR Art. 17): their answers, everything computed from them and their
invitations go, and their personal fields are blanked; the Client row stays so the couple and the
audit trail still point at something.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest

from assessments.models import (
    AgendaItem,
    Comparison,
    ComparisonHistory,
    Response,
    SessionAgenda,
)
from clients.models import Client, Invitation
from clients.privacy.records import couples_of, responses_of
from clients.privacy.sessions import ONCE_LINKS_PREFIX, RESPONDENT_SESSION_KEY, scrub_sessions
from practice import audit
from practice.models import AuditEvent, Membership

ERASED_NAME = "Erased client"


@dataclass(frozen=True)
class Erasure:
    responses: int
    comparisons: int
    invitations: int
    agendas_affected: int


@dataclass(frozen=True)
class _Targets:
    response_ids: list[int]
    comparison_ids: list[int]
    agenda_ids: list[int]
    invitation_ids: set[int]


def _erasure_targets(client: Client) -> _Targets:
    response_ids = list(responses_of(client).values_list("pk", flat=True))
    comparisons = Comparison.objects.filter(practice_id=client.practice_id).filter(
        Q(response_a_id__in=response_ids) | Q(response_b_id__in=response_ids)
    )
    comparison_ids = list(comparisons.values_list("pk", flat=True))
    assignment_ids = set(comparisons.values_list("assignment_id", flat=True))
    agendas = SessionAgenda.objects.filter(practice_id=client.practice_id).filter(
        Q(comparison_id__in=comparison_ids) | Q(assignment_id__in=assignment_ids)
    )
    invitations = Invitation.objects.filter(practice_id=client.practice_id, client=client)
    return _Targets(
        response_ids=response_ids,
        comparison_ids=comparison_ids,
        agenda_ids=list(agendas.values_list("pk", flat=True)),
        invitation_ids=set(invitations.values_list("pk", flat=True)),
    )


def erasure_preview(client: Client) -> Erasure:
    """What `client_erase` would remove, for the confirmation page."""
    targets = _erasure_targets(client)
    return Erasure(
        responses=len(targets.response_ids),
        comparisons=len(targets.comparison_ids),
        invitations=len(targets.invitation_ids),
        agendas_affected=len(targets.agenda_ids),
    )


@transaction.atomic
def client_erase(*, client: Client, by: Membership, request: HttpRequest | None = None) -> Erasure:
    """Erases the client (Art. 17): their answers and the comparisons built from them (with their
    re-scoring history), their invitations, and their name, email and pronouns. The Client row
    stays, renamed, so the couple and the audit trail keep pointing at something.

    Agendas are the counsellor's: they stay, with their own items and notes, but each suggested
    topic loses its rationale (it quoted the erased answers) and the agenda its comparison.
    `request` only stamps the audit row with the address and request id."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    couples = list(couples_of(client))
    targets = _erasure_targets(client)
    AgendaItem.objects.filter(agenda_id__in=targets.agenda_ids).exclude(rationale="").update(
        rationale=""
    )
    SessionAgenda.objects.filter(pk__in=targets.agenda_ids, comparison__isnull=False).update(
        comparison=None
    )
    ComparisonHistory.objects.filter(comparison_id__in=targets.comparison_ids).delete()
    Comparison.objects.filter(pk__in=targets.comparison_ids).delete()
    Response.objects.filter(pk__in=targets.response_ids).delete()
    Invitation.objects.filter(pk__in=targets.invitation_ids).delete()

    client.display_name = ERASED_NAME
    client.email = ""
    client.pronouns = ""
    client.save(update_fields=["display_name", "email", "pronouns"])

    once_links = {f"{ONCE_LINKS_PREFIX}{couple.public_id}" for couple in couples}

    def bound_to_erased_invitation(data: dict[str, Any]) -> bool:
        bound = data.get(RESPONDENT_SESSION_KEY)
        return isinstance(bound, dict) and bound.get("invitation") in targets.invitation_ids

    scrub_sessions(drop=bound_to_erased_invitation, strip=once_links.__contains__)

    audit.record(
        request,
        AuditEvent.Action.DELETE,
        practice=client.practice,
        actor=by.user,
        object_type="client",
        object_id=str(client.public_id),
        detail=(
            f"erased: {len(targets.response_ids)} responses, "
            f"{len(targets.comparison_ids)} comparisons, {len(targets.invitation_ids)} invitations"
        ),
    )
    return Erasure(
        responses=len(targets.response_ids),
        comparisons=len(targets.comparison_ids),
        invitations=len(targets.invitation_ids),
        agendas_affected=len(targets.agenda_ids),
    )
