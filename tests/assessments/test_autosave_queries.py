"""Autosave's cost and its one-statement save: what a save needs is remembered in the
respondent session, and the answers, the revision check and the link check are one UPDATE."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from assessments.assignments.services import NewAssignment, response_reopen
from assessments.models import Response
from assessments.respond import services
from clients.models import Partner
from practice.models import AuditEvent, Membership
from tests.assessments.test_respond_api import (
    FORM,
    first_item,
    put,
    required_answers,
    respondent,
    response_of,
)

pytestmark = pytest.mark.django_db

# Sessions come from Redis when it caches them (cached_db); else one SELECT reads the session.
# Then the UPDATE (answers, revision and link check) and the audit event's INSERT.
SAVE_QUERIES = 2 if settings.SESSION_ENGINE.endswith("cached_db") else 3


def test_a_save_is_one_update_and_the_audit_insert(assignment: NewAssignment) -> None:
    web = respondent(assignment)
    assert web.get(FORM).status_code == 200  # the page load remembers the respondent
    items = [item["id"] for item in assignment.assignment.instrument_version.items]

    revision = 0
    for n, item in enumerate(items[:3]):
        with CaptureQueriesContext(connection) as queries:
            saved = put(web, {"revision": revision, "answers": {item: n + 2}})
        assert saved.status_code == 200
        sql = [q["sql"].lstrip().upper() for q in queries.captured_queries]
        assert len(sql) == SAVE_QUERIES, sql
        assert len(sql) <= 4
        assert sum(s.startswith("UPDATE") for s in sql) == 1
        assert sum(s.startswith("INSERT") for s in sql) == 1
        assert not any("DJANGO_SESSION" in s and not s.startswith("SELECT") for s in sql)
        revision = saved.json()["revision"]

    assert saved.json() == {
        "revision": 3,
        "answered": 3,
        "total": len(items),
        "percent": 3 * 100 // len(items),
    }
    stored = response_of(assignment, Partner.A)
    assert stored.answers == {items[0]: 2, items[1]: 3, items[2]: 4}
    assert stored.answered_count == 3
    assert stored.started_at is not None
    with scope(practice=assignment.assignment.practice):
        events = AuditEvent.objects.filter(action="change", object_type="response")
        assert events.count() == 3
        assert all(event.actor_label.startswith("partner a (invitation ") for event in events)
        assert all(event.practice_id == assignment.assignment.practice_id for event in events)


def test_the_one_statement_merges_and_clears_as_the_full_path_does(
    assignment: NewAssignment,
) -> None:
    items = [item["id"] for item in assignment.assignment.instrument_version.items]
    steps: list[dict[str, Any]] = [
        {items[0]: 1, items[1]: 5, items[2]: 3},
        {items[1]: None, items[3]: 2},
        {items[0]: None, items[4]: None, items[2]: 4},
        {},
    ]
    fast = respondent(assignment, Partner.A)
    fast.get(FORM)
    full = response_of(assignment, Partner.B)
    for revision, answers in enumerate(steps):
        assert put(fast, {"revision": revision, "answers": answers}).status_code == 200
        with scope(practice=assignment.assignment.practice):
            full = services.response_save_answers(response=full, revision=revision, answers=answers)

    a, b = response_of(assignment, Partner.A), response_of(assignment, Partner.B)
    assert a.answers == b.answers == {items[2]: 4, items[3]: 2}
    assert a.answered_count == b.answered_count == 2
    assert a.revision == b.revision == len(steps)


def test_a_bad_answer_is_400_and_saves_nothing(assignment: NewAssignment) -> None:
    web = respondent(assignment)
    web.get(FORM)

    bad = put(web, {"revision": 0, "answers": {first_item(assignment): 9, "nope": 1}})

    assert bad.status_code == 400
    assert len(bad.json()["answers"]) == 2
    assert response_of(assignment, Partner.A).revision == 0


def test_a_reopened_response_takes_the_saves_not_the_submitted_one(
    assignment: NewAssignment, counsellor_membership: Membership
) -> None:
    web = respondent(assignment)
    web.get(FORM)
    assert put(web, {"revision": 0, "answers": required_answers(assignment)}).status_code == 200
    assert web.post("/api/v1/respond/submit/").status_code == 200
    submitted = response_of(assignment, Partner.A)
    with scope(practice=assignment.assignment.practice):
        reopened = response_reopen(response=submitted, by=counsellor_membership, reason="typo")

    item = first_item(assignment)
    saved = put(web, {"revision": reopened.revision, "answers": {item: 1}})

    assert saved.status_code == 200
    with scope(practice=assignment.assignment.practice):
        rows = {r.answers_version: r for r in Response.objects.filter(partner=Partner.A)}
    assert rows[1].answers == submitted.answers  # history stays as submitted
    assert rows[2].answers[item] == 1
    # Remembered again: the next save is the one statement on the new version.
    with CaptureQueriesContext(connection) as queries:
        again = put(web, {"revision": saved.json()["revision"], "answers": {item: 2}})
    assert again.status_code == 200
    assert len(queries.captured_queries) == SAVE_QUERIES


def test_a_stale_revision_after_a_fast_save_is_still_409(assignment: NewAssignment) -> None:
    web = respondent(assignment)
    web.get(FORM)
    item = first_item(assignment)
    assert put(web, {"revision": 0, "answers": {item: 2}}).status_code == 200

    stale = put(web, {"revision": 0, "answers": {item: 5}})

    assert stale.status_code == 409
    assert stale.json()["current"]["revision"] == 1
    assert response_of(assignment, Partner.A).answers == {item: 2}


def test_a_staff_login_on_a_remembered_respondent_session_is_refused(
    assignment: NewAssignment, counsellor: Any
) -> None:
    web = respondent(assignment)
    web.get(FORM)
    web.force_login(counsellor)

    assert put(web, {"revision": 0, "answers": {first_item(assignment): 3}}).status_code == 403
    assert response_of(assignment, Partner.A).revision == 0
