"""Filling in forms through the real services, as a partner's browser would."""

from __future__ import annotations

from collections.abc import Callable

from django_scopes import scope

from assessments.models import Assignment, Response
from assessments.respond import services
from clients.models import Invitation

Answerer = Callable[[dict[str, object]], int]


def both_equally(item: dict[str, object]) -> int:
    """A balanced, healthy couple: share items 3, wellbeing items at the healthy pole."""
    if item["kind"] == "share":
        return 3
    return 1 if item["reverse"] else 5


def answer_all(assignment: Assignment, partner: str, answerer: Answerer = both_equally) -> Response:
    with scope(practice=assignment.practice):
        invitation = Invitation.objects.get(assignment=assignment, partner=partner)
        response = services.response_for_invitation(invitation=invitation)
        answers = {item["id"]: answerer(item) for item in assignment.instrument_version.items}
        return services.response_save_answers(
            response=response, revision=response.revision, answers=answers
        )


def submit(assignment: Assignment, partner: str, answerer: Answerer = both_equally) -> Response:
    response = answer_all(assignment, partner, answerer)
    with scope(practice=assignment.practice):
        return services.response_submit(response=response)
