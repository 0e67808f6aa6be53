"""Autosave in one statement: what a save needs to know about its respondent is remembered in
the respondent session, and the answers, the revision check and the link check are one UPDATE.

The UPDATE changes the response only while the session's link still works (same token, not
revoked, expired or reported, consent given), the response is the partner's latest and not
submitted, and the revision is the one the browser read. When it changes nothing, the caller
takes the full path, which says why (409, 403, 410) with every check it always made.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from assessments.models import Response
from clients.models import Invitation
from clients.respondent import SESSION_KEY as BOUND_KEY
from practice.models import Practice

REMEMBERED_KEY = "respondent_autosave"


@dataclass(frozen=True)
class Remembered:
    """What a save reads about its respondent, kept in the session beside the binding."""

    invitation: int
    token_hash: str
    practice_id: int
    public_id: str
    partner: str
    response: int
    items: tuple[str, ...]

    # For the audit trail, which names the practice and the invitation.
    @property
    def practice(self) -> Practice:
        return Practice(pk=self.practice_id)

    @property
    def total(self) -> int:
        return len(self.items)


def remember(request: HttpRequest, invitation: Invitation, response: Response) -> None:
    bound = request.session.get(BOUND_KEY)
    if not isinstance(bound, dict) or bound.get("invitation") != invitation.pk:
        return
    remembered = Remembered(
        invitation=invitation.pk,
        token_hash=str(bound.get("token_hash", "")),
        practice_id=invitation.practice_id,
        public_id=str(invitation.public_id),
        partner=invitation.partner,
        response=response.pk,
        items=tuple(item["id"] for item in invitation.assignment.instrument_version.items),
    )
    stored = {**asdict(remembered), "items": list(remembered.items)}
    if request.session.get(REMEMBERED_KEY) != stored:
        request.session[REMEMBERED_KEY] = stored


def forget(request: HttpRequest) -> None:
    request.session.pop(REMEMBERED_KEY, None)


def remembered(request: HttpRequest) -> Remembered | None:
    """The remembered respondent, when it belongs to the session's binding (never for a staff
    login: the full path refuses those)."""
    stored = request.session.get(REMEMBERED_KEY)
    bound = request.session.get(BOUND_KEY)
    if not isinstance(stored, dict) or not isinstance(bound, dict):
        return None
    if request.user.is_authenticated:
        return None
    try:
        found = Remembered(**{**stored, "items": tuple(stored["items"])})
        uuid.UUID(found.public_id)
    except (KeyError, TypeError, ValueError):
        return None
    if bound.get("invitation") != found.invitation or bound.get("token_hash") != found.token_hash:
        return None
    return found


@dataclass(frozen=True)
class Saved:
    revision: int
    answered_count: int


# What both backends check in the same statement: the revision, an open and latest response,
# and a link that still works.
_GUARDS = """
WHERE r.id = %s AND r.revision = %s AND r.submitted_at IS NULL
    AND NOT EXISTS (
        SELECT 1 FROM assessments_response AS later
        WHERE later.assignment_id = r.assignment_id AND later.partner = r.partner
            AND later.answers_version > r.answers_version
    )
    AND EXISTS (
        SELECT 1 FROM clients_invitation AS i
        WHERE i.id = %s AND i.practice_id = %s AND i.practice_id = r.practice_id
            AND i.assignment_id = r.assignment_id AND i.partner = r.partner
            AND i.token_hash = %s AND i.consented_at IS NOT NULL AND i.revoked_at IS NULL
            AND i.wrong_person_at IS NULL AND i.expires_at > %s
    )
RETURNING revision, answered_count
"""

_POSTGRESQL_SET = """
UPDATE assessments_response AS r SET
    answers = (r.answers || %s::jsonb) - %s::text[],
    answered_count = (
        SELECT count(*) FROM jsonb_object_keys((r.answers || %s::jsonb) - %s::text[])
    ),
    revision = r.revision + 1,
    started_at = COALESCE(r.started_at, %s),
    updated_at = %s
"""

# SQLite's json_patch is a JSON merge patch: a null removes the key, as a cleared answer must.
_SQLITE_SET = """
UPDATE assessments_response AS r SET
    answers = json_patch(r.answers, %s),
    answered_count = (SELECT count(*) FROM json_each(json_patch(r.answers, %s))),
    revision = r.revision + 1,
    started_at = COALESCE(r.started_at, %s),
    updated_at = %s
"""

_POSTGRESQL = _POSTGRESQL_SET + _GUARDS
_SQLITE = _SQLITE_SET + _GUARDS


def save_answers(
    remembered: Remembered, *, revision: int, answers: dict[str, int | None]
) -> Saved | None:
    """Merges cleaned answers (None clears one) into the remembered response in one statement;
    None when it changed nothing (see the module's docstring)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    link: list[Any] = [remembered.invitation, remembered.practice_id, remembered.token_hash, now]
    if connection.vendor == "postgresql":
        given = json.dumps({k: v for k, v in answers.items() if v is not None})
        cleared = [k for k, v in answers.items() if v is None]
        params: list[Any] = [given, cleared, given, cleared, now, now]
        sql = _POSTGRESQL
    else:
        patch = json.dumps(answers)
        params = [patch, patch, now, now]
        sql = _SQLITE
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, remembered.response, revision, *link])
        row = cursor.fetchone()
    return None if row is None else Saved(revision=row[0], answered_count=row[1])
