"""What the practice keeps about one client, read for the data-subject requests."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from assessments.models import Response
from clients.models import Client, Couple, Partner


def couples_of(client: Client) -> QuerySet[Couple]:
    return Couple.objects.filter(practice_id=client.practice_id).filter(
        Q(partner_a=client) | Q(partner_b=client)
    )


def responses_of(client: Client) -> QuerySet[Response]:
    """The client's own responses: their side of each of their couples' assignments."""
    return Response.objects.filter(practice_id=client.practice_id).filter(
        Q(assignment__couple__partner_a=client, partner=Partner.A)
        | Q(assignment__couple__partner_b=client, partner=Partner.B)
    )
