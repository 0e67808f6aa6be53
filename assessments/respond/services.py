"""Writes on a partner's answers: open the response, autosave with a revision check, submit."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.comparisons import services as comparisons
from assessments.models import InstrumentVersion, Response
from clients.models import Invitation

ANSWER_RANGE = range(1, 6)


class StaleRevision(Exception):
    """Another tab or device saved first; carries the current response so the page can reload."""

    def __init__(self, current: Response) -> None:
        super().__init__("These answers changed in another window.")
        self.current = current


class ResponseLocked(Exception):
    """The response was submitted; its answers can no longer change."""


class IncompleteResponse(Exception):
    def __init__(self, missing: list[str]) -> None:
        super().__init__("Some required questions are unanswered.")
        self.missing = missing


def _item_order(version: InstrumentVersion) -> list[str]:
    ids = [item["id"] for item in version.items]
    if version.shuffle_items:
        secrets.SystemRandom().shuffle(ids)
    return ids


@transaction.atomic
def response_for_invitation(*, invitation: Invitation) -> Response:
    """The partner's current response (the latest answers version), started on first use."""
    response = (
        Response.objects.filter(assignment_id=invitation.assignment_id, partner=invitation.partner)
        .order_by("-answers_version")
        .first()
    )
    if response is None:
        response = Response.objects.create(
            practice=invitation.practice,
            assignment=invitation.assignment,
            partner=invitation.partner,
            item_order=_item_order(invitation.assignment.instrument_version),
        )
    return response


def clean_answers(
    version: InstrumentVersion, answers: Mapping[str, object]
) -> dict[str, int | None]:
    """Each answer must name an item of this version and be 1-5, or null to clear it."""
    return clean_answers_for(frozenset(item["id"] for item in version.items), answers)


def clean_answers_for(
    known: frozenset[str], answers: Mapping[str, object]
) -> dict[str, int | None]:
    """clean_answers against the version's item ids (`known`)."""
    errors: dict[str, str] = {}
    cleaned: dict[str, int | None] = {}
    for item_id, value in answers.items():
        if item_id not in known:
            errors[item_id] = "This question is not part of the form."
        elif value is None:
            cleaned[item_id] = None
        elif isinstance(value, bool) or not isinstance(value, int) or value not in ANSWER_RANGE:
            errors[item_id] = "Choose one of the five answers."
        else:
            cleaned[item_id] = value
    if errors:
        raise ValidationError({"answers": [f"{k}: {v}" for k, v in errors.items()]})
    return cleaned


@transaction.atomic
def response_save_answers(
    *, response: Response, revision: int, answers: Mapping[str, object]
) -> Response:
    """Merges the given answers into the draft. Committed before the caller answers 2xx, so an
    acknowledged answer survives a crash; a stale `revision` raises StaleRevision."""
    cleaned = clean_answers(response.assignment.instrument_version, answers)
    locked = Response.objects.select_for_update().get(pk=response.pk)
    if locked.submitted_at is not None:
        raise ResponseLocked
    if locked.revision != revision:
        raise StaleRevision(locked)
    merged = dict(locked.answers)
    for item_id, value in cleaned.items():
        if value is None:
            merged.pop(item_id, None)
        else:
            merged[item_id] = value
    locked.answers = merged
    locked.answered_count = len(merged)
    locked.revision += 1
    locked.started_at = locked.started_at or timezone.now()
    locked.save()
    return locked


def missing_required(response: Response) -> list[str]:
    return [
        item["id"]
        for item in response.assignment.instrument_version.items
        if item.get("required", True) and item["id"] not in response.answers
    ]


@transaction.atomic
def response_submit(*, response: Response) -> Response:
    """Locks the answers. Submitting twice is harmless: the first submission stands."""
    locked = Response.objects.select_for_update().select_related("assignment").get(pk=response.pk)
    if locked.submitted_at is not None:
        return locked
    missing = missing_required(locked)
    if missing:
        raise IncompleteResponse(missing)
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["submitted_at", "updated_at"])
    comparisons.comparison_request(assignment=locked.assignment)
    return locked
