"""The shared summary under the couple's assignment: read its state, release, withdraw. The
couple's own counsellors only; everyone else, and another practice, gets 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import TestCase
from django_scopes import scope
from rest_framework.test import APIClient

from assessments.assignments.services import NewAssignment
from assessments.comparisons import services as comparisons
from assessments.models import Comparison, SessionAgenda, SharedSummary
from practice.models import AuditEvent, Membership, Practice
from tests.api.conftest import error_of, tenant
from tests.support.comparing import b_reports_fear, compared

# Links are emailed by a background job as the release commits.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_at_once")]


def url(practice: Practice, new_or_id: Any, action: str = "") -> str:
    public_id = getattr(getattr(new_or_id, "assignment", None), "public_id", new_or_id)
    return tenant(practice, f"assignments/{public_id}/summary/{action}")


def release(client: APIClient, practice: Practice, new: Any) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url(practice, new, "release/"), format="json")


def test_state_shows_exactly_the_sections_before_release(
    api_counsellor: APIClient, practice: Practice, assignment: NewAssignment, agenda: SessionAgenda
) -> None:
    state = api_counsellor.get(url(practice, assignment))

    assert state.status_code == 200
    body = state.json()
    assert body["status"] == "draft"
    assert body["can_release"] is True
    assert body["blocked_by_safety_flag"] is False
    assert body["sections"][0]["key"] == "intro"
    assert {s["kind"] for s in body["sections"]} <= {"intro", "strength", "work_on"}
    assert all(set(s) >= {"text", "generated", "edited", "topics"} for s in body["sections"])
    with scope(practice=practice):
        assert AuditEvent.objects.filter(detail="API shared summary", action="view").exists()


def test_release_then_withdraw(
    api_counsellor: APIClient, practice: Practice, assignment: NewAssignment, agenda: SessionAgenda
) -> None:
    mail.outbox.clear()
    released = release(api_counsellor, practice, assignment)

    assert released.status_code == 200, released.content
    assert released.json()["summary"]["status"] == "released"
    assert released.json()["links"] == {"a": None, "b": None}  # both emailed
    assert len(mail.outbox) == 2
    again = release(api_counsellor, practice, assignment)
    assert error_of(again)["fields"] == {"summary": ["The summary is already released."]}

    bad = api_counsellor.post(url(practice, assignment, "withdraw/"), {"reason": 5}, format="json")
    assert bad.status_code == 400
    assert "reason" in error_of(bad)["fields"]
    withdrawn = api_counsellor.post(
        url(practice, assignment, "withdraw/"), {"reason": "Too early"}, format="json"
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["withdrawn_reason"] == "Too early"
    with scope(practice=practice):
        assert AuditEvent.objects.filter(detail__startswith="shared summary").count() == 2


def test_withdraw_before_release_is_400(
    api_counsellor: APIClient, practice: Practice, comparison: Comparison
) -> None:
    refused = api_counsellor.post(url(practice, comparison.assignment.public_id, "withdraw/"))
    assert refused.status_code == 400
    assert "summary" in error_of(refused)["fields"]


def test_release_refused_with_a_safety_field_while_a_flag_is_open(
    api_counsellor: APIClient,
    practice: Practice,
    assignment: NewAssignment,
    counsellor_membership: Membership,
) -> None:
    flagged = compared(assignment, b=b_reports_fear)

    refused = release(api_counsellor, practice, assignment)

    assert refused.status_code == 400
    assert "safety" in error_of(refused)["fields"]
    assert api_counsellor.get(url(practice, assignment)).json()["blocked_by_safety_flag"]
    with scope(practice=practice):
        assert not SharedSummary.objects.exists()
        comparisons.safety_clear(comparison=flagged, by=counsellor_membership)
    assert release(api_counsellor, practice, assignment).status_code == 200


@pytest.mark.parametrize("action", ["", "release/", "withdraw/"])
def test_everyone_else_gets_404(
    action: str,
    api_admin: APIClient,
    api_other_counsellor: APIClient,
    api_outsider: APIClient,
    practice: Practice,
    other_practice: Practice,
    comparison: Comparison,
) -> None:
    method = "get" if not action else "post"
    for client in (api_admin, api_other_counsellor):
        answer = getattr(client, method)(url(practice, comparison.assignment.public_id, action))
        assert answer.status_code == 404
    foreign = getattr(api_outsider, method)(
        url(other_practice, comparison.assignment.public_id, action)
    )
    assert foreign.status_code == 404
    with scope(practice=practice):
        assert not SharedSummary.objects.exists()


def test_anonymous_caller_gets_401_on_summary(
    api_anonymous: APIClient, practice: Practice, comparison: Comparison
) -> None:
    for action in ("", "release/", "withdraw/"):
        method = "get" if not action else "post"
        answer = getattr(api_anonymous, method)(
            url(practice, comparison.assignment.public_id, action)
        )
        assert answer.status_code == 401
