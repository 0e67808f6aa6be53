"""Members: practice admins only. Counsellors get 403 once their membership is established;
outsiders 404; anonymous 401."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django_scopes import scope, scopes_disabled
from rest_framework.test import APIClient

from practice.models import Membership, Practice
from tests.api.conftest import error_of, tenant

pytestmark = pytest.mark.django_db


def members(practice: Practice, path: str = "") -> str:
    return tenant(practice, f"members/{path}")


def member(membership: Membership, action: str = "") -> str:
    return members(membership.practice, f"{membership.public_id}/{action}")


def test_admin_lists_the_members(
    api_admin: APIClient, practice: Practice, counsellor_membership: Membership
) -> None:
    response = api_admin.get(members(practice))

    assert response.status_code == 200
    names = [row["full_name"] for row in response.json()["results"]]
    assert names == ["Ada Admin", "Cleo Counsellor"]


def test_counsellor_gets_403_on_every_member_route(
    api_counsellor: APIClient, counsellor_membership: Membership, admin_membership: Membership
) -> None:
    practice = counsellor_membership.practice
    responses = [
        api_counsellor.get(members(practice)),
        api_counsellor.post(members(practice), {"email": "x@y.example"}, format="json"),
        api_counsellor.get(member(admin_membership)),
        api_counsellor.patch(member(admin_membership), {"is_admin": False}, format="json"),
        api_counsellor.post(member(admin_membership, "deactivate/")),
        api_counsellor.post(member(admin_membership, "reactivate/")),
    ]

    for response in responses:
        assert response.status_code == 403
        assert error_of(response)["code"] == "permission_denied"
    with scope(practice=admin_membership.practice_id):
        admin_membership.refresh_from_db()
    assert admin_membership.is_admin


def test_member_of_another_practice_gets_404_on_every_member_route(
    api_outsider: APIClient, admin_membership: Membership
) -> None:
    practice = admin_membership.practice
    responses = [
        api_outsider.get(members(practice)),
        api_outsider.post(members(practice), {"email": "x@y.example"}, format="json"),
        api_outsider.get(member(admin_membership)),
        api_outsider.patch(member(admin_membership), {"is_admin": False}, format="json"),
        api_outsider.post(member(admin_membership, "deactivate/")),
        api_outsider.post(member(admin_membership, "reactivate/")),
    ]

    for response in responses:
        assert response.status_code == 404
        assert b"Ada Admin" not in response.content


def test_anonymous_caller_gets_401_on_member_routes(
    api_anonymous: APIClient, admin_membership: Membership
) -> None:
    assert api_anonymous.get(members(admin_membership.practice)).status_code == 401
    assert api_anonymous.get(member(admin_membership)).status_code == 401
    assert api_anonymous.post(member(admin_membership, "deactivate/")).status_code == 401


def test_admin_invites_a_new_member_who_gets_an_email(
    api_admin: APIClient, practice: Practice, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = api_admin.post(
            members(practice),
            {"email": "New.Person@Fulcrum.example", "full_name": "New Person"},
            format="json",
        )

    assert response.status_code == 201
    body = response.json()
    assert (body["email"], body["is_admin"], body["is_counsellor"]) == (
        "new.person@fulcrum.example",
        False,
        True,
    )
    assert [message.to for message in mail.outbox] == [["new.person@fulcrum.example"]]


def test_inviting_an_active_member_again_gets_400_on_email(
    api_admin: APIClient, counsellor_membership: Membership
) -> None:
    response = api_admin.post(
        members(counsellor_membership.practice),
        {"email": counsellor_membership.user.email, "full_name": "Again"},
        format="json",
    )

    assert response.status_code == 400
    assert "email" in error_of(response)["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"email": "no-roles@x.example", "full_name": "N", "is_counsellor": False},
            "is_counsellor",
        ),
        ({"email": "not an email", "full_name": "N"}, "email"),
        ({"email": "a@x.example"}, "full_name"),
        ({"email": "a@x.example", "full_name": "N", "is_admin": "yes"}, "is_admin"),
        ({"email": "a@x.example", "full_name": "N" * 151}, "full_name"),
    ],
)
def test_bad_invitation_gets_400_naming_the_field(
    api_admin: APIClient, practice: Practice, body: dict[str, Any], field: str
) -> None:
    response = api_admin.post(members(practice), body, format="json")

    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_admin_reads_one_member(api_admin: APIClient, counsellor_membership: Membership) -> None:
    response = api_admin.get(member(counsellor_membership))

    assert response.status_code == 200
    assert response.json()["id"] == str(counsellor_membership.public_id)


def test_admin_gets_404_for_a_member_of_another_practice(
    api_admin: APIClient, practice: Practice, outsider_membership: Membership
) -> None:
    url = members(practice, f"{outsider_membership.public_id}/")

    assert api_admin.get(url).status_code == 404
    assert api_admin.patch(url, {"is_counsellor": False}, format="json").status_code == 404
    assert api_admin.post(f"{url}deactivate/").status_code == 404
    with scope(practice=outsider_membership.practice_id):
        outsider_membership.refresh_from_db()
    assert outsider_membership.is_counsellor
    assert outsider_membership.is_active


def test_admin_changes_a_members_roles(
    api_admin: APIClient, counsellor_membership: Membership
) -> None:
    response = api_admin.patch(member(counsellor_membership), {"is_admin": True}, format="json")

    assert response.status_code == 200
    assert (response.json()["is_admin"], response.json()["is_counsellor"]) == (True, True)


def test_removing_the_last_admin_role_gets_400(
    api_admin: APIClient, admin_membership: Membership
) -> None:
    response = api_admin.patch(
        member(admin_membership), {"is_admin": False, "is_counsellor": True}, format="json"
    )

    assert response.status_code == 400
    assert "is_admin" in error_of(response)["fields"]
    with scope(practice=admin_membership.practice_id):
        admin_membership.refresh_from_db()
    assert admin_membership.is_admin


def test_admin_deactivates_and_reactivates_a_member(
    api_admin: APIClient, counsellor_membership: Membership
) -> None:
    off = api_admin.post(member(counsellor_membership, "deactivate/"))
    on = api_admin.post(member(counsellor_membership, "reactivate/"))

    assert (off.status_code, off.json()["is_active"]) == (200, False)
    assert (on.status_code, on.json()["is_active"]) == (200, True)


def test_deactivated_member_loses_api_access_at_once(
    api_admin: APIClient, api_counsellor: APIClient, counsellor_membership: Membership
) -> None:
    api_admin.post(member(counsellor_membership, "deactivate/"))

    assert api_counsellor.get(tenant(counsellor_membership.practice)).status_code == 404


def test_deactivating_the_only_admin_gets_400(
    api_admin: APIClient, admin_membership: Membership
) -> None:
    response = api_admin.post(member(admin_membership, "deactivate/"))

    assert response.status_code == 400
    assert "admin" in error_of(response)["detail"]
    with scope(practice=admin_membership.practice), scopes_disabled():
        assert Membership.objects.get(pk=admin_membership.pk).is_active
