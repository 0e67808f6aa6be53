"""Clients: read-only, only those of couples the member may see."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from clients.models import Couple
from practice.models import Practice
from tests.api.conftest import error_of, tenant

pytestmark = pytest.mark.django_db


def clients(practice: Practice, path: str = "") -> str:
    return tenant(practice, f"clients/{path}")


def test_assigned_counsellor_lists_the_couples_partners(
    api_counsellor: APIClient, practice: Practice, couple: Couple
) -> None:
    response = api_counsellor.get(clients(practice))

    assert response.status_code == 200
    rows = {row["display_name"]: row for row in response.json()["results"]}
    assert set(rows) == {"Sam", "Alex"}
    assert (rows["Sam"]["partner"], rows["Alex"]["partner"]) == ("a", "b")
    assert rows["Sam"]["couple"] == str(couple.public_id)


def test_admin_lists_every_client_of_the_practice(
    api_admin: APIClient, practice: Practice, couple: Couple, other_couple: Couple
) -> None:
    names = {row["display_name"] for row in api_admin.get(clients(practice)).json()["results"]}

    assert names == {"Sam", "Alex"}


def test_counsellor_reads_one_client(
    api_counsellor: APIClient, practice: Practice, couple: Couple
) -> None:
    response = api_counsellor.get(clients(practice, f"{couple.partner_a.public_id}/"))

    assert response.status_code == 200
    assert response.json()["display_name"] == "Sam"


def test_unassigned_counsellor_sees_no_client_and_gets_404_on_one(
    api_other_counsellor: APIClient, practice: Practice, couple: Couple
) -> None:
    listed = api_other_counsellor.get(clients(practice))
    one = api_other_counsellor.get(clients(practice, f"{couple.partner_a.public_id}/"))

    assert listed.json()["results"] == []
    assert one.status_code == 404
    assert b"Sam" not in one.content


def test_client_of_another_practice_answers_404(
    api_admin: APIClient, practice: Practice, other_couple: Couple
) -> None:
    response = api_admin.get(clients(practice, f"{other_couple.partner_a.public_id}/"))

    assert response.status_code == 404
    assert b"Canary" not in response.content


def test_member_of_another_practice_gets_404_on_clients(
    api_outsider: APIClient, practice: Practice, couple: Couple
) -> None:
    assert api_outsider.get(clients(practice)).status_code == 404
    assert api_outsider.get(clients(practice, f"{couple.partner_a.public_id}/")).status_code == 404


def test_anonymous_caller_gets_401_on_clients(
    api_anonymous: APIClient, practice: Practice, couple: Couple
) -> None:
    assert api_anonymous.get(clients(practice)).status_code == 401
    assert api_anonymous.get(clients(practice, f"{couple.partner_a.public_id}/")).status_code == 401


def test_clients_cannot_be_created_directly(api_admin: APIClient, practice: Practice) -> None:
    response = api_admin.post(clients(practice), {"display_name": "X"}, format="json")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
