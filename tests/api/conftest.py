"""API personas: the practice personas of tests/conftest.py, each with a real API token, plus a
counsellor of the same practice who is not assigned to the couple."""

from __future__ import annotations

from typing import Any

import pytest
from django_scopes import scope
from rest_framework.test import APIClient

from assessments.assignments.services import NewAssignment
from assessments.models import Comparison, SessionAgenda
from assessments.reports import agenda as agendas
from practice.api.auth import token_create
from practice.models import Membership, Practice, User
from tests.factories import MembershipFactory
from tests.support.comparing import a_holds_the_say, b_agrees_a_holds_the_say, compared


def with_token(user: User) -> APIClient:
    _, key = token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def tenant(practice: Practice, path: str = "") -> str:
    return f"/api/v1/practices/{practice.slug}/{path}"


def error_of(response: Any) -> dict[str, Any]:
    """The error envelope, checked for its shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"status", "code", "detail", "fields"}, error
    assert error["status"] == response.status_code
    assert isinstance(error["detail"], str)
    assert error["detail"]
    return error


@pytest.fixture
def other_counsellor_membership(practice: Practice) -> Membership:
    """A counsellor of the practice who does not counsel the `couple` persona."""
    return MembershipFactory.create(practice=practice, user__full_name="Uma Unassigned")


@pytest.fixture
def api_admin(admin: User) -> APIClient:
    return with_token(admin)


@pytest.fixture
def api_counsellor(counsellor: User) -> APIClient:
    return with_token(counsellor)


@pytest.fixture
def api_other_counsellor(other_counsellor_membership: Membership) -> APIClient:
    return with_token(other_counsellor_membership.user)


@pytest.fixture
def api_outsider(outsider: User) -> APIClient:
    return with_token(outsider)


@pytest.fixture
def api_anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def comparison(assignment: NewAssignment) -> Comparison:
    """A done comparison of the `assignment` persona: both partners say A holds the say, so
    there are topics to suggest."""
    return compared(assignment, a_holds_the_say, b_agrees_a_holds_the_say)


@pytest.fixture
def agenda(comparison: Comparison, counsellor_membership: Membership) -> SessionAgenda:
    """The assignment's agenda with the comparison's first two suggested topics."""
    with scope(practice=comparison.practice):
        agenda = agendas.agenda_for_assignment(
            assignment=comparison.assignment, created_by=counsellor_membership
        )
        result = comparison.as_result()
        assert result is not None
        agendas.agenda_add_topics(
            agenda=agenda,
            comparison=comparison,
            topic_slugs=[topic.slug for topic in result.topics[:2]],
        )
        return agenda
