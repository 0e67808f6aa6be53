"""Writes on assignments and responses. Keyword-only, typed, atomic."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments import comparisons
from assessments.models import Assignment, InstrumentVersion, Response
from clients import services as client_services
from clients.models import Couple, Invitation
from practice.models import Membership

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


@dataclass(frozen=True)
class NewAssignment:
    assignment: Assignment
    links: dict[str, str]  # partner -> link, for partners without an email (shown once)


@transaction.atomic
def assignment_create(
    *,
    couple: Couple,
    instrument_version: InstrumentVersion,
    created_by: Membership,
    due_date: datetime.date | None = None,
) -> NewAssignment:
    """Pins the instrument version (it can never change now) and invites both partners."""
    if couple.status != Couple.Status.ACTIVE:
        raise ValidationError("Reactivate this couple before assigning an instrument.")
    if due_date is not None and due_date < timezone.localdate():
        raise ValidationError({"due_date": "The due date cannot be in the past."})
    if not instrument_version.locked:
        InstrumentVersion.objects.filter(pk=instrument_version.pk).update(locked=True)
    assignment = Assignment.objects.create(
        practice=couple.practice,
        couple=couple,
        instrument_version=instrument_version,
        due_date=due_date,
        created_by=created_by,
    )
    links = client_services.invitations_create(assignment=assignment)
    return NewAssignment(assignment, links)


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
    known = {item["id"] for item in version.items}
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


@transaction.atomic
def response_reopen(*, response: Response, by: Membership, reason: str) -> Response:
    """Starts a new answers version from the submitted one, which stays unchanged as history."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the answers are being reopened."})
    current = (
        Response.objects.select_for_update()
        .filter(assignment_id=response.assignment_id, partner=response.partner)
        .order_by("-answers_version")
        .first()
    )
    if current is None or current.submitted_at is None:
        raise ValidationError("Only submitted answers can be reopened.")
    return Response.objects.create(
        practice=current.practice,
        assignment_id=current.assignment_id,
        partner=current.partner,
        answers_version=current.answers_version + 1,
        answers=dict(current.answers),
        answered_count=current.answered_count,
        item_order=list(current.item_order),
        started_at=timezone.now(),
        reopened_by=by,
        reopen_reason=reason.strip(),
    )
