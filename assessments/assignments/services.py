"""Writes on assignments: give an instrument to a couple, reopen a partner's answers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.models import Assignment, InstrumentVersion, Response
from clients import services as client_services
from clients.models import Couple
from practice.models import Membership


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
