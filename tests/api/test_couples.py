"""Couples: admins see all of the practice, counsellors their own; created with both partners
and counsellors of this practice only; archived, reactivated, re-scored."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope
from rest_framework.test import APIClient

from assessments.assignments.services import NewAssignment
from clients.models import Couple
from practice.models import Membership, Practice
from tests.api.conftest import error_of, tenant
from tests.factories import CoupleFactory
from tests.support.comparing import assign, compared
from tests.support.flags import check_ins_recorded, finished_days_ago, set_level, urgent_screener

pytestmark = pytest.mark.django_db

NEW_COUPLE = {
    "partner_a": {"display_name": "Robin", "email": "robin@clients.example", "pronouns": "they"},
    "partner_b": {"display_name": "Kai"},
}


def couples(practice: Practice, path: str = "") -> str:
    return tenant(practice, f"couples/{path}")


def couple_url(couple: Couple, action: str = "") -> str:
    return couples(couple.practice, f"{couple.public_id}/{action}")


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


# Lists --------------------------------------------------------------------------------------


def test_counsellor_lists_their_own_couples(
    api_counsellor: APIClient, practice: Practice, couple: Couple
) -> None:
    CoupleFactory.create(practice=practice, partner_a__display_name="Not", counsellors=[])

    response = api_counsellor.get(couples(practice))

    assert names(response) == ["Sam & Alex"]
    row = response.json()["results"][0]
    assert row["partner_a"]["display_name"] == "Sam"
    assert [c["full_name"] for c in row["counsellors"]] == ["Cleo Counsellor"]


def test_admin_lists_every_couple_of_the_practice_only(
    api_admin: APIClient, practice: Practice, couple: Couple, other_couple: Couple
) -> None:
    response = api_admin.get(couples(practice))

    assert names(response) == ["Sam & Alex"]
    assert b"Canary" not in response.content


def test_unassigned_counsellor_lists_no_couple(
    api_other_counsellor: APIClient, practice: Practice, couple: Couple
) -> None:
    assert names(api_other_counsellor.get(couples(practice))) == []


def test_couples_filter_by_status_counsellor_and_search(
    api_admin: APIClient,
    practice: Practice,
    couple: Couple,
    counsellor_membership: Membership,
    other_counsellor_membership: Membership,
) -> None:
    archived = CoupleFactory.create(
        practice=practice,
        partner_a__display_name="Old",
        partner_b__display_name="Pair",
        counsellors=[other_counsellor_membership],
    )
    with scope(practice=practice):
        Couple.objects.filter(pk=archived.pk).update(status=Couple.Status.ARCHIVED)

    assert names(api_admin.get(couples(practice), {"status": "archived"})) == ["Old & Pair"]
    assert names(api_admin.get(couples(practice), {"status": "active"})) == ["Sam & Alex"]
    mine = {"counsellor": str(counsellor_membership.public_id)}
    assert names(api_admin.get(couples(practice), mine)) == ["Sam & Alex"]
    assert names(api_admin.get(couples(practice), {"q": "pai"})) == ["Old & Pair"]


def test_couples_are_ordered_by_creation_either_way(
    api_admin: APIClient, practice: Practice, couple: Couple
) -> None:
    CoupleFactory.create(practice=practice, partner_a__display_name="Newer", counsellors=[])

    newest_first = names(api_admin.get(couples(practice)))
    oldest_first = names(api_admin.get(couples(practice), {"ordering": "created_at"}))

    assert newest_first[0].startswith("Newer")
    assert oldest_first == list(reversed(newest_first))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"ordering": "partner_a__email"}, "ordering"),
        ({"status": "gone"}, "status"),
        ({"counsellor": "not-a-uuid"}, "counsellor"),
        ({"q": "a\x00b"}, "q"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"page": "first"}, "page"),
    ],
)
def test_bad_list_parameters_get_400_naming_the_parameter(
    api_admin: APIClient, practice: Practice, params: dict[str, str], field: str
) -> None:
    response = api_admin.get(couples(practice), params)

    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_couples_are_paginated(api_admin: APIClient, practice: Practice) -> None:
    for _ in range(3):
        CoupleFactory.create(practice=practice, counsellors=[])

    page = api_admin.get(couples(practice), {"page_size": 2, "page": 2}).json()

    assert page["count"] == 3
    assert len(page["results"]) == 1
    assert page["previous"] is not None


def test_member_of_another_practice_gets_404_on_couples(
    api_outsider: APIClient, practice: Practice, couple: Couple
) -> None:
    for response in (
        api_outsider.get(couples(practice)),
        api_outsider.post(couples(practice), NEW_COUPLE, format="json"),
        api_outsider.get(couple_url(couple)),
        api_outsider.patch(couple_url(couple), {"partner_a": {"display_name": "X"}}, format="json"),
        api_outsider.post(couple_url(couple, "archive/")),
        api_outsider.post(couple_url(couple, "reactivate/")),
        api_outsider.post(couple_url(couple, "rescore/")),
    ):
        assert response.status_code == 404
        assert b"Sam" not in response.content


def test_anonymous_caller_gets_401_on_couples(
    api_anonymous: APIClient, practice: Practice, couple: Couple
) -> None:
    for response in (
        api_anonymous.get(couples(practice)),
        api_anonymous.post(couples(practice), NEW_COUPLE, format="json"),
        api_anonymous.get(couple_url(couple)),
        api_anonymous.patch(couple_url(couple), {}, format="json"),
        api_anonymous.post(couple_url(couple, "archive/")),
        api_anonymous.post(couple_url(couple, "reactivate/")),
        api_anonymous.post(couple_url(couple, "rescore/")),
    ):
        assert response.status_code == 401


# Create -------------------------------------------------------------------------------------


def test_counsellor_adds_a_couple_and_is_made_its_counsellor(
    api_counsellor: APIClient, practice: Practice, counsellor_membership: Membership
) -> None:
    response = api_counsellor.post(couples(practice), NEW_COUPLE, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Robin & Kai"
    assert body["partner_a"]["pronouns"] == "they"
    assert body["partner_b"]["email"] == ""
    assert [c["id"] for c in body["counsellors"]] == [str(counsellor_membership.public_id)]


def test_admin_adds_a_couple_for_a_named_counsellor(
    api_admin: APIClient, practice: Practice, counsellor_membership: Membership
) -> None:
    body = {**NEW_COUPLE, "counsellors": [str(counsellor_membership.public_id)]}

    response = api_admin.post(couples(practice), body, format="json")

    assert response.status_code == 201
    assert [c["full_name"] for c in response.json()["counsellors"]] == ["Cleo Counsellor"]


def test_admin_must_name_a_counsellor(api_admin: APIClient, practice: Practice) -> None:
    response = api_admin.post(couples(practice), NEW_COUPLE, format="json")

    assert response.status_code == 400
    assert "counsellors" in error_of(response)["fields"]


def test_counsellor_of_another_practice_is_refused_with_400(
    api_admin: APIClient, practice: Practice, outsider_membership: Membership
) -> None:
    body = {**NEW_COUPLE, "counsellors": [str(outsider_membership.public_id)]}

    response = api_admin.post(couples(practice), body, format="json")

    assert response.status_code == 400
    assert "counsellors" in error_of(response)["fields"]
    with scope(practice=practice):
        assert not Couple.objects.exists()


def test_a_member_who_does_not_counsel_cannot_be_named_counsellor(
    api_admin: APIClient, practice: Practice, admin_membership: Membership
) -> None:
    body = {**NEW_COUPLE, "counsellors": [str(admin_membership.public_id)]}

    assert api_admin.post(couples(practice), body, format="json").status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"partner_a": {"display_name": "A"}}, "partner_b"),
        ({"partner_a": {}, "partner_b": {"display_name": "B"}}, "partner_a.display_name"),
        (
            {"partner_a": {"display_name": " "}, "partner_b": {"display_name": "B"}},
            "partner_a.display_name",
        ),
        (
            {"partner_a": {"display_name": 7}, "partner_b": {"display_name": "B"}},
            "partner_a.display_name",
        ),
        ({**NEW_COUPLE, "partner_b": {"display_name": "B", "email": "nope"}}, "partner_b.email"),
        ({**NEW_COUPLE, "counsellors": ["not-a-uuid"]}, "counsellors.0"),
        ({**NEW_COUPLE, "counsellors": "everyone"}, "counsellors"),
    ],
)
def test_bad_couple_gets_400_naming_the_field(
    api_counsellor: APIClient, practice: Practice, body: dict[str, Any], field: str
) -> None:
    response = api_counsellor.post(couples(practice), body, format="json")

    assert response.status_code == 400
    assert field in error_of(response)["fields"], error_of(response)


# One couple ---------------------------------------------------------------------------------


def test_counsellor_reads_their_couple(api_counsellor: APIClient, couple: Couple) -> None:
    response = api_counsellor.get(couple_url(couple))

    assert response.status_code == 200
    assert response.json()["id"] == str(couple.public_id)


def test_admin_reads_any_couple_of_the_practice(api_admin: APIClient, couple: Couple) -> None:
    assert api_admin.get(couple_url(couple)).status_code == 200


def test_unassigned_counsellor_gets_404_on_every_couple_route(
    api_other_counsellor: APIClient, couple: Couple
) -> None:
    for response in (
        api_other_counsellor.get(couple_url(couple)),
        api_other_counsellor.patch(
            couple_url(couple), {"partner_a": {"display_name": "X"}}, format="json"
        ),
        api_other_counsellor.post(couple_url(couple, "archive/")),
        api_other_counsellor.post(couple_url(couple, "reactivate/")),
        api_other_counsellor.post(couple_url(couple, "rescore/")),
    ):
        assert response.status_code == 404
    with scope(practice=couple.practice):
        assert Couple.objects.get(pk=couple.pk).status == Couple.Status.ACTIVE


def test_couple_of_another_practice_answers_404(
    api_admin: APIClient, practice: Practice, other_couple: Couple
) -> None:
    url = couples(practice, f"{other_couple.public_id}/")

    assert api_admin.get(url).status_code == 404
    assert api_admin.post(f"{url}archive/").status_code == 404


def test_counsellor_renames_a_partner_and_keeps_the_rest(
    api_counsellor: APIClient, couple: Couple
) -> None:
    response = api_counsellor.patch(
        couple_url(couple), {"partner_b": {"display_name": "Alexis"}}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Sam & Alexis"
    assert body["partner_b"]["email"] == "alex@clients.example"


def test_counsellor_who_is_not_admin_cannot_change_counsellors(
    api_counsellor: APIClient, couple: Couple, other_counsellor_membership: Membership
) -> None:
    body = {"counsellors": [str(other_counsellor_membership.public_id)]}

    response = api_counsellor.patch(couple_url(couple), body, format="json")

    assert response.status_code == 403
    with scope(practice=couple.practice):
        assert list(couple.counsellors.values_list("user__full_name", flat=True)) == [
            "Cleo Counsellor"
        ]


def test_admin_changes_the_counsellors(
    api_admin: APIClient, couple: Couple, other_counsellor_membership: Membership
) -> None:
    body = {"counsellors": [str(other_counsellor_membership.public_id)]}

    response = api_admin.patch(couple_url(couple), body, format="json")

    assert response.status_code == 200
    assert [c["full_name"] for c in response.json()["counsellors"]] == ["Uma Unassigned"]


def test_admin_cannot_hand_a_couple_to_another_practices_counsellor(
    api_admin: APIClient, couple: Couple, outsider_membership: Membership
) -> None:
    body = {"counsellors": [str(outsider_membership.public_id)]}

    response = api_admin.patch(couple_url(couple), body, format="json")

    assert response.status_code == 400
    assert "counsellors" in error_of(response)["fields"]


def test_couple_is_archived_and_reactivated(api_counsellor: APIClient, couple: Couple) -> None:
    archived = api_counsellor.post(couple_url(couple, "archive/"))
    active = api_counsellor.post(couple_url(couple, "reactivate/"))

    assert (archived.status_code, archived.json()["status"]) == (200, "archived")
    assert (active.status_code, active.json()["status"]) == (200, "active")


def test_admin_archives_a_couple(api_admin: APIClient, couple: Couple) -> None:
    assert api_admin.post(couple_url(couple, "archive/")).json()["status"] == "archived"
    assert api_admin.post(couple_url(couple, "reactivate/")).json()["status"] == "active"


# Re-scoring ---------------------------------------------------------------------------------


def test_assigned_counsellor_rescores_the_couples_comparisons(
    api_counsellor: APIClient, couple: Couple, comparison: Any
) -> None:
    response = api_counsellor.post(couple_url(couple, "rescore/"))

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["examined"], body["rescored"]) == ("done", 1, 0)
    assert body["comparisons_url"].endswith(f"/comparisons/?couple={couple.public_id}")


def test_admin_who_does_not_counsel_the_couple_cannot_rescore_it(
    api_admin: APIClient, couple: Couple, comparison: Any
) -> None:
    assert api_admin.post(couple_url(couple, "rescore/")).status_code == 404


# Safety status and the latest result ------------------------------------------------------------


def test_a_couple_with_an_open_urgent_flag_is_in_review_and_its_latest_result_has_no_band(
    api_counsellor: APIClient,
    couple: Couple,
    assignment: NewAssignment,
    counsellor_membership: Membership,
) -> None:
    urgent_screener(couple, counsellor_membership)
    inventory = compared(assignment)
    assert inventory.overall_band == "balanced"

    listed = api_counsellor.get(couples(couple.practice)).json()["results"][0]
    one = api_counsellor.get(couple_url(couple)).json()

    for body in (listed, one):
        assert body["safety_status"] == "review"
        latest = body["latest_result"]
        assert latest["band"] is None
        assert latest["index"] == inventory.overall_index
        assert latest["comparison"] == str(inventory.public_id)
        assert latest["assignment"] == str(assignment.assignment.public_id)
        assert latest["instrument"] == {
            "slug": "balance-of-power-inventory",
            "title": inventory.assignment.instrument_version.title,
        }


def test_a_couple_with_an_open_caution_flag_keeps_its_band(
    api_counsellor: APIClient,
    couple: Couple,
    assignment: NewAssignment,
    counsellor_membership: Membership,
) -> None:
    set_level(urgent_screener(couple, counsellor_membership), "caution")
    compared(assignment)

    body = api_counsellor.get(couple_url(couple)).json()

    assert body["safety_status"] == "caution"
    assert body["latest_result"]["band"] == "balanced"


def test_once_the_check_ins_are_recorded_the_couple_reads_with_its_band_again(
    api_counsellor: APIClient,
    couple: Couple,
    assignment: NewAssignment,
    counsellor_membership: Membership,
) -> None:
    flagged = finished_days_ago(urgent_screener(couple, counsellor_membership), 40)
    compared(assignment)
    assert api_counsellor.get(couple_url(couple)).json()["safety_status"] == "review"

    check_ins_recorded(flagged, counsellor_membership)
    body = api_counsellor.get(couple_url(couple)).json()

    assert body["safety_status"] == "none"
    assert body["latest_result"]["band"] == "balanced"


def test_the_latest_result_names_the_instrument_scored_last(
    api_counsellor: APIClient,
    couple: Couple,
    assignment: NewAssignment,
    counsellor_membership: Membership,
) -> None:
    compared(assignment)
    screener = compared(assign(couple, "signs-of-imbalance", counsellor_membership))

    latest = api_counsellor.get(couple_url(couple)).json()["latest_result"]

    assert latest["comparison"] == str(screener.public_id)
    assert latest["index"] == screener.overall_index
    assert latest["instrument"]["slug"] == "signs-of-imbalance"
    assert latest["top_area"] == screener.top_area


def test_a_couple_without_a_result_has_no_latest_result_and_no_safety_status(
    api_counsellor: APIClient, couple: Couple
) -> None:
    body = api_counsellor.get(couple_url(couple)).json()

    assert (body["safety_status"], body["latest_result"]) == ("none", None)


def test_an_admin_who_does_not_counsel_the_couple_gets_neither_status_nor_result(
    api_admin: APIClient, couple: Couple, counsellor_membership: Membership, library: None
) -> None:
    urgent_screener(couple, counsellor_membership)

    listed = api_admin.get(couples(couple.practice)).json()["results"][0]
    one = api_admin.get(couple_url(couple)).json()

    for body in (listed, one):
        assert (body["safety_status"], body["latest_result"]) == (None, None)


def test_the_couple_list_needs_the_same_queries_whatever_the_caseload(
    api_counsellor: APIClient,
    couple: Couple,
    practice: Practice,
    counsellor_membership: Membership,
    library: None,
) -> None:
    urgent_screener(couple, counsellor_membership)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api_counsellor.get(couples(practice)).status_code == 200
        return len(captured)

    queries()  # the token's first use is recorded once
    before = queries()
    for n in range(5):
        more = CoupleFactory.create(practice=practice, counsellors=[counsellor_membership])
        flagged = urgent_screener(more, counsellor_membership)
        if n % 2:
            set_level(flagged, "caution")

    assert queries() == before
