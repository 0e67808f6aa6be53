"""Partners' invitations: listed with their state, resent (202), revoked, reissued."""

from __future__ import annotations

from typing import Any

import pytest
from django_scopes import scope
from rest_framework.test import APIClient

from assessments.assignments.services import NewAssignment
from clients.models import Client, Invitation
from practice.models import Practice
from tests.api.conftest import error_of, tenant

pytestmark = pytest.mark.django_db


def invitations(practice: Practice, path: str = "") -> str:
    return tenant(practice, f"invitations/{path}")


def invitation_of(new: NewAssignment, side: str) -> Invitation:
    with scope(practice=new.assignment.practice):
        return Invitation.objects.select_related("client").get(
            assignment=new.assignment, partner=side
        )


def url(new: NewAssignment, side: str, action: str = "") -> str:
    invitation = invitation_of(new, side)
    return invitations(new.assignment.practice, f"{invitation.public_id}/{action}")


def test_counsellor_lists_the_invitations_of_an_assignment(
    api_counsellor: APIClient, assignment: NewAssignment, practice: Practice
) -> None:
    response = api_counsellor.get(
        invitations(practice), {"assignment": str(assignment.assignment.public_id)}
    )

    assert response.status_code == 200
    rows = sorted(response.json()["results"], key=lambda row: row["partner"])
    assert [(r["partner"], r["client_name"], r["state"]) for r in rows] == [
        ("a", "Sam", "active"),
        ("b", "Alex", "active"),
    ]
    assert all(r["has_email"] for r in rows)
    assert "token" not in str(rows)


def test_admin_reads_an_invitation(api_admin: APIClient, assignment: NewAssignment) -> None:
    response = api_admin.get(url(assignment, "a"))

    assert response.status_code == 200
    assert response.json()["partner"] == "a"


def test_bad_assignment_filter_gets_400(api_admin: APIClient, practice: Practice) -> None:
    response = api_admin.get(invitations(practice), {"assignment": "nope"})

    assert response.status_code == 400
    assert "assignment" in error_of(response)["fields"]


def test_resending_queues_an_email_and_answers_202(
    api_counsellor: APIClient, assignment: NewAssignment, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api_counsellor.post(url(assignment, "a", "resend/"))

    assert response.status_code == 202
    assert response.json()["emailed"] is True
    assert response.json()["link"] is None
    assert len(callbacks) == 1


def test_resending_to_a_partner_without_email_gets_400(
    api_counsellor: APIClient, assignment: NewAssignment
) -> None:
    with scope(practice=assignment.assignment.practice):
        Client.objects.filter(pk=assignment.assignment.couple.partner_a_id).update(email="")

    response = api_counsellor.post(url(assignment, "a", "resend/"))

    assert response.status_code == 400
    assert "no email" in error_of(response)["detail"]


def test_revoked_link_stops_and_a_reissue_emails_a_new_one(
    api_counsellor: APIClient, assignment: NewAssignment
) -> None:
    revoked = api_counsellor.post(url(assignment, "a", "revoke/"))
    reissued = api_counsellor.post(url(assignment, "a", "reissue/"))

    assert revoked.status_code == 200
    assert revoked.json()["invitation"]["state"] == "revoked"
    assert reissued.status_code == 202
    assert reissued.json()["invitation"]["state"] == "active"
    assert reissued.json()["link"] is None


def test_reissue_for_a_partner_without_email_returns_the_link_once(
    api_counsellor: APIClient, assignment: NewAssignment
) -> None:
    with scope(practice=assignment.assignment.practice):
        Client.objects.filter(pk=assignment.assignment.couple.partner_b_id).update(email="")

    response = api_counsellor.post(url(assignment, "b", "reissue/"))

    assert response.status_code == 200
    assert "/i/" in response.json()["link"]
    assert response.json()["emailed"] is False


def test_unassigned_counsellor_sees_no_invitation_and_gets_404_on_each(
    api_other_counsellor: APIClient, assignment: NewAssignment, practice: Practice
) -> None:
    assert api_other_counsellor.get(invitations(practice)).json()["results"] == []
    for action in ("", "resend/", "revoke/", "reissue/"):
        method = api_other_counsellor.get if not action else api_other_counsellor.post
        assert method(url(assignment, "a", action)).status_code == 404
    assert invitation_of(assignment, "a").revoked_at is None


def test_member_of_another_practice_gets_404_on_invitations(
    api_outsider: APIClient, assignment: NewAssignment, practice: Practice
) -> None:
    assert api_outsider.get(invitations(practice)).status_code == 404
    for action in ("", "resend/", "revoke/", "reissue/"):
        method = api_outsider.get if not action else api_outsider.post
        response = method(url(assignment, "a", action))
        assert response.status_code == 404
        assert b"Sam" not in response.content
    assert invitation_of(assignment, "a").revoked_at is None


def test_anonymous_caller_gets_401_on_invitations(
    api_anonymous: APIClient, assignment: NewAssignment, practice: Practice
) -> None:
    assert api_anonymous.get(invitations(practice)).status_code == 401
    for action in ("", "resend/", "revoke/", "reissue/"):
        method = api_anonymous.get if not action else api_anonymous.post
        assert method(url(assignment, "a", action)).status_code == 401
