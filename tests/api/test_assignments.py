"""Assignments: created with 202 (emails are queued; links for partners without email are
shown once), read with each partner's progress and never their answers."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.utils import timezone
from django_scopes import scope
from rest_framework.test import APIClient

from assessments.assignments.services import NewAssignment
from assessments.models import Assignment, Comparison
from clients.models import Client, Couple
from practice.models import Practice
from tests.api.conftest import error_of, tenant
from tests.support.answering import answer_all, submit

pytestmark = pytest.mark.django_db

INVENTORY = "balance-of-power-inventory"


def assignments(practice: Practice, path: str = "") -> str:
    return tenant(practice, f"assignments/{path}")


def one(new: NewAssignment) -> str:
    return assignments(new.assignment.practice, f"{new.assignment.public_id}/")


def assign(client: APIClient, couple: Couple, **extra: Any) -> Any:
    body = {"couple": str(couple.public_id), "instrument": INVENTORY, **extra}
    return client.post(assignments(couple.practice), body, format="json")


@pytest.fixture
def couple_without_email_for_b(couple: Couple) -> Couple:
    with scope(practice=couple.practice):
        Client.objects.filter(pk=couple.partner_b_id).update(email="")
        return Couple.objects.select_related("partner_a", "partner_b").get(pk=couple.pk)


# Create -------------------------------------------------------------------------------------


def test_assigning_answers_202_with_a_link_only_for_the_partner_without_email(
    api_counsellor: APIClient, library: None, couple_without_email_for_b: Couple
) -> None:
    due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()

    response = assign(api_counsellor, couple_without_email_for_b, due_date=due)

    assert response.status_code == 202
    body = response.json()
    links = {row["partner"]: row["link"] for row in body["invitations"]}
    assert links["a"] is None
    assert "/i/" in links["b"]
    assert body["assignment"]["due_date"] == due
    assert body["assignment"]["status"] == "open"
    assert body["status_url"].endswith(f"/assignments/{body['assignment']['id']}/")
    status = api_counsellor.get(body["status_url"])
    assert status.status_code == 200
    assert [p["stage"] for p in status.json()["partners"]] == ["not_opened", "not_opened"]


def test_admin_assigns_for_any_couple_of_the_practice(
    api_admin: APIClient, library: None, couple: Couple
) -> None:
    assert assign(api_admin, couple).status_code == 202


def test_due_date_in_the_past_gets_400_on_due_date(
    api_counsellor: APIClient, library: None, couple: Couple
) -> None:
    response = assign(api_counsellor, couple, due_date="2000-01-01")

    assert response.status_code == 400
    assert "due_date" in error_of(response)["fields"]
    with scope(practice=couple.practice):
        assert not Assignment.objects.exists()


def test_archived_couple_cannot_be_given_an_instrument(
    api_counsellor: APIClient, library: None, couple: Couple
) -> None:
    with scope(practice=couple.practice):
        Couple.objects.filter(pk=couple.pk).update(status=Couple.Status.ARCHIVED)

    response = assign(api_counsellor, couple)

    assert response.status_code == 400
    assert "Reactivate" in error_of(response)["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"instrument": "no-such-instrument"}, "instrument"),
        ({"couple": "not-a-uuid"}, "couple"),
        ({"couple": None}, "couple"),
        ({"due_date": "tomorrow"}, "due_date"),
    ],
)
def test_bad_assignment_gets_400_naming_the_field(
    api_counsellor: APIClient, library: None, couple: Couple, body: dict[str, Any], field: str
) -> None:
    payload = {"couple": str(couple.public_id), "instrument": INVENTORY, **body}

    response = api_counsellor.post(assignments(couple.practice), payload, format="json")

    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_couple_of_another_practice_gets_400_on_couple(
    api_admin: APIClient, library: None, practice: Practice, other_couple: Couple
) -> None:
    body = {"couple": str(other_couple.public_id), "instrument": INVENTORY}

    response = api_admin.post(assignments(practice), body, format="json")

    assert response.status_code == 400
    assert "couple" in error_of(response)["fields"]
    assert b"Canary" not in response.content


def test_unassigned_counsellor_cannot_assign_to_a_couple_they_do_not_see(
    api_other_counsellor: APIClient, library: None, couple: Couple
) -> None:
    response = assign(api_other_counsellor, couple)

    assert response.status_code == 400
    assert "couple" in error_of(response)["fields"]


# Read ---------------------------------------------------------------------------------------


def test_assignment_shows_each_partners_progress_and_never_answers(
    api_counsellor: APIClient, assignment: NewAssignment
) -> None:
    answer_all(assignment.assignment, "a")
    submit(assignment.assignment, "b")

    response = api_counsellor.get(one(assignment))

    assert response.status_code == 200
    body = response.json()
    partners = {p["partner"]: p for p in body["partners"]}
    assert (partners["a"]["stage"], partners["a"]["percent"]) == ("in_progress", 100)
    assert partners["b"]["stage"] == "submitted"
    assert partners["b"]["submitted_at"]
    assert body["status"] == "open"
    text = json.dumps(body)
    assert 'answers"' not in text
    for item in assignment.assignment.instrument_version.items[:5]:
        assert item["id"] not in text


def test_opened_link_shows_as_opened(api_counsellor: APIClient, assignment: NewAssignment) -> None:
    with scope(practice=assignment.assignment.practice):
        assignment.assignment.invitations.filter(partner="a").update(opened_at=timezone.now())

    partners = api_counsellor.get(one(assignment)).json()["partners"]

    assert [p["stage"] for p in partners] == ["opened", "not_opened"]


def test_assigned_counsellor_sees_the_comparison_and_the_admin_does_not(
    api_counsellor: APIClient,
    api_admin: APIClient,
    assignment: NewAssignment,
    comparison: Comparison,
) -> None:
    mine = api_counsellor.get(one(assignment)).json()
    admins = api_admin.get(one(assignment)).json()

    assert mine["status"] == admins["status"] == "submitted"
    assert mine["comparison"] == {"id": str(comparison.public_id), "status": "done"}
    assert admins["comparison"] is None


def test_assignments_filter_by_couple_and_status(
    api_admin: APIClient, assignment: NewAssignment, comparison: Comparison, practice: Practice
) -> None:
    couple = str(assignment.assignment.couple.public_id)

    def ids(params: dict[str, str]) -> list[str]:
        response = api_admin.get(assignments(practice), params)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids({"couple": couple}) == [str(assignment.assignment.public_id)]
    assert ids({"status": "submitted"}) == [str(assignment.assignment.public_id)]
    assert ids({"status": "open"}) == []
    assert ids({"couple": "00000000-0000-0000-0000-000000000000"}) == []


@pytest.mark.parametrize("params", [{"status": "done"}, {"couple": "x"}])
def test_bad_assignment_filters_get_400(
    api_admin: APIClient, practice: Practice, params: dict[str, str]
) -> None:
    response = api_admin.get(assignments(practice), params)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == set(params)


def test_unassigned_counsellor_gets_an_empty_list_and_404(
    api_other_counsellor: APIClient, assignment: NewAssignment, practice: Practice
) -> None:
    assert api_other_counsellor.get(assignments(practice)).json()["results"] == []
    assert api_other_counsellor.get(one(assignment)).status_code == 404


def test_member_of_another_practice_gets_404_on_assignments(
    api_outsider: APIClient, assignment: NewAssignment, practice: Practice
) -> None:
    assert api_outsider.get(assignments(practice)).status_code == 404
    assert api_outsider.get(one(assignment)).status_code == 404
    body = {"couple": str(assignment.assignment.couple.public_id), "instrument": INVENTORY}
    assert api_outsider.post(assignments(practice), body, format="json").status_code == 404


def test_anonymous_caller_gets_401_on_assignments(
    api_anonymous: APIClient, assignment: NewAssignment, practice: Practice
) -> None:
    assert api_anonymous.get(assignments(practice)).status_code == 401
    assert api_anonymous.get(one(assignment)).status_code == 401
    assert api_anonymous.post(assignments(practice), {}, format="json").status_code == 401
