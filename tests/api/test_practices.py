"""The caller's practices, and the practice root: members only, outsiders get 404."""

from __future__ import annotations

import pytest
from django_scopes import scope
from rest_framework.test import APIClient

from practice.models import Membership, Practice, User
from tests.api.conftest import error_of, tenant, with_token
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_practices_lists_the_callers_active_memberships_with_roles(
    admin: User, practice: Practice, other_practice: Practice
) -> None:
    MembershipFactory.create(practice=other_practice, user=admin, is_counsellor=True)
    client = with_token(admin)

    response = client.get("/api/v1/practices/")

    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()["results"]}
    assert rows["riverside"]["roles"] == ["admin"]
    assert rows["hillside"]["roles"] == ["counsellor"]
    assert rows["riverside"]["name"] == practice.name


def test_practices_leaves_out_a_practice_whose_membership_was_deactivated(
    counsellor: User, counsellor_membership: Membership
) -> None:
    client = with_token(counsellor)
    with scope(practice=counsellor_membership.practice):
        Membership.objects.filter(pk=counsellor_membership.pk).update(is_active=False)

    assert client.get("/api/v1/practices/").json()["results"] == []


def test_anonymous_caller_gets_401_on_practices(api_anonymous: APIClient) -> None:
    response = api_anonymous.get("/api/v1/practices/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_member_reads_the_practice_root_with_their_roles(
    api_counsellor: APIClient, practice: Practice
) -> None:
    response = api_counsellor.get(tenant(practice))

    assert response.status_code == 200
    assert response.json()["roles"] == ["counsellor"]


def test_admin_reads_the_practice_root(api_admin: APIClient, practice: Practice) -> None:
    assert api_admin.get(tenant(practice)).json()["roles"] == ["admin"]


def test_member_of_another_practice_gets_404_on_the_practice_root_like_a_missing_practice(
    api_outsider: APIClient, practice: Practice
) -> None:
    foreign = api_outsider.get(tenant(practice))
    missing = api_outsider.get(tenant(Practice(slug="no-such-practice")))

    assert foreign.status_code == missing.status_code == 404
    assert error_of(foreign) == error_of(missing)
    assert error_of(foreign)["detail"] == "Not found."
    assert practice.name.encode() not in foreign.content


def test_member_of_another_practice_gets_the_same_404_below_the_practice_root(
    api_outsider: APIClient, practice: Practice
) -> None:
    foreign = api_outsider.get(tenant(practice, "couples/"))
    missing = api_outsider.get(tenant(Practice(slug="no-such-practice"), "couples/"))

    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content


def test_anonymous_caller_gets_401_whether_or_not_the_practice_exists(
    api_anonymous: APIClient, practice: Practice
) -> None:
    assert api_anonymous.get(tenant(practice)).status_code == 401
    assert api_anonymous.get(tenant(Practice(slug="no-such-practice"))).status_code == 401


def test_anonymous_caller_gets_401_on_the_practice_root(
    api_anonymous: APIClient, practice: Practice
) -> None:
    assert api_anonymous.get(tenant(practice)).status_code == 401


def test_deactivated_member_gets_404_on_the_practice_root(
    api_counsellor: APIClient, counsellor_membership: Membership, practice: Practice
) -> None:
    with scope(practice=practice):
        Membership.objects.filter(pk=counsellor_membership.pk).update(is_active=False)

    assert api_counsellor.get(tenant(practice)).status_code == 404
