"""Comparisons are clinical data: the couple's own counsellors only. Admins who do not counsel
the couple see none (empty list, 404 on one), like other counsellors and outsiders."""

from __future__ import annotations

from typing import Any

import pytest
from django_scopes import scope
from rest_framework.test import APIClient

from assessments.assignments.services import NewAssignment
from assessments.models import Comparison
from practice.models import AuditEvent, Membership, Practice
from tests.api.conftest import error_of, tenant
from tests.support.comparing import assign, b_reports_fear, compared
from tests.support.flags import check_ins_recorded, set_level, urgent_screener

pytestmark = pytest.mark.django_db


def comparisons(practice: Practice, path: str = "") -> str:
    return tenant(practice, f"comparisons/{path}")


def url(comparison: Comparison, action: str = "") -> str:
    return comparisons(comparison.practice, f"{comparison.public_id}/{action}")


def test_assigned_counsellor_lists_the_comparisons_without_results(
    api_counsellor: APIClient, comparison: Comparison, practice: Practice
) -> None:
    response = api_counsellor.get(comparisons(practice))

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == str(comparison.public_id)
    assert (row["status"], row["attempts"], row["overall_band"]) == ("done", 1, "severe")
    assert row["top_area"]
    assert "result" not in row


def test_assigned_counsellor_reads_a_comparison_with_its_stored_result(
    api_counsellor: APIClient, comparison: Comparison
) -> None:
    response = api_counsellor.get(url(comparison))

    assert response.status_code == 200
    body = response.json()
    assert body["result"] == comparison.result
    assert body["overall_index"] == comparison.overall_index
    assert body["algorithm_version"] == comparison.algorithm_version
    assert body["has_safety_flags"] is False


def test_reading_a_comparison_is_audited(
    api_counsellor: APIClient, comparison: Comparison, counsellor_membership: Membership
) -> None:
    api_counsellor.get(url(comparison))

    with scope(practice=comparison.practice):
        event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
    assert (event.actor, event.object_id) == (counsellor_membership.user, str(comparison.public_id))


def test_safety_flags_are_shown_to_the_assigned_counsellor(
    api_counsellor: APIClient, couple: Any, counsellor_membership: Membership, library: None
) -> None:
    flagged = compared(
        assign(couple, "signs-of-imbalance", counsellor_membership), b=b_reports_fear
    )

    body = api_counsellor.get(url(flagged)).json()

    assert (body["has_safety_flags"], body["safety_level"]) == (True, "urgent")
    assert body["result"]["safety_flags"]


def test_comparisons_filter_by_assignment_couple_and_status(
    api_counsellor: APIClient, comparison: Comparison, practice: Practice
) -> None:
    def count(params: dict[str, str]) -> int:
        response = api_counsellor.get(comparisons(practice), params)
        assert response.status_code == 200
        return int(response.json()["count"])

    assert count({"assignment": str(comparison.assignment.public_id)}) == 1
    assert count({"couple": str(comparison.assignment.couple.public_id)}) == 1
    assert count({"status": "done"}) == 1
    assert count({"status": "failed"}) == 0


@pytest.mark.parametrize("params", [{"status": "finished"}, {"couple": "1"}, {"assignment": "x"}])
def test_bad_comparison_filters_get_400(
    api_counsellor: APIClient, practice: Practice, params: dict[str, str]
) -> None:
    response = api_counsellor.get(comparisons(practice), params)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == set(params)


def test_admin_who_does_not_counsel_the_couple_sees_no_comparison(
    api_admin: APIClient, comparison: Comparison, practice: Practice
) -> None:
    assert api_admin.get(comparisons(practice)).json()["results"] == []
    for response in (
        api_admin.get(url(comparison)),
        api_admin.get(url(comparison, "trend/")),
        api_admin.post(url(comparison, "retry/")),
    ):
        assert response.status_code == 404
        assert b"severe" not in response.content


def test_admin_who_also_counsels_the_couple_sees_its_comparison(
    admin_membership: Membership, comparison: Comparison, practice: Practice
) -> None:
    from tests.api.conftest import with_token

    with scope(practice=practice):
        Membership.objects.filter(pk=admin_membership.pk).update(is_counsellor=True)
        comparison.assignment.couple.counsellors.add(admin_membership)
    client = with_token(admin_membership.user)

    assert client.get(url(comparison)).status_code == 200


def test_unassigned_counsellor_gets_404_on_every_comparison_route(
    api_other_counsellor: APIClient, comparison: Comparison, practice: Practice
) -> None:
    assert api_other_counsellor.get(comparisons(practice)).json()["results"] == []
    assert api_other_counsellor.get(url(comparison)).status_code == 404
    assert api_other_counsellor.get(url(comparison, "trend/")).status_code == 404
    assert api_other_counsellor.post(url(comparison, "retry/")).status_code == 404


def test_member_of_another_practice_gets_404_on_comparisons(
    api_outsider: APIClient, comparison: Comparison, practice: Practice
) -> None:
    assert api_outsider.get(comparisons(practice)).status_code == 404
    assert api_outsider.get(url(comparison)).status_code == 404
    assert api_outsider.get(url(comparison, "trend/")).status_code == 404
    assert api_outsider.post(url(comparison, "retry/")).status_code == 404


def test_anonymous_caller_gets_401_on_comparisons(
    api_anonymous: APIClient, comparison: Comparison, practice: Practice
) -> None:
    assert api_anonymous.get(comparisons(practice)).status_code == 401
    assert api_anonymous.get(url(comparison)).status_code == 401
    assert api_anonymous.get(url(comparison, "trend/")).status_code == 401
    assert api_anonymous.post(url(comparison, "retry/")).status_code == 401


def test_retrying_a_comparison_that_has_not_failed_gets_409(
    api_counsellor: APIClient, comparison: Comparison
) -> None:
    response = api_counsellor.post(url(comparison, "retry/"))

    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"


def test_retrying_a_failed_comparison_queues_it_and_answers_202(
    api_counsellor: APIClient, comparison: Comparison, django_capture_on_commit_callbacks: Any
) -> None:
    with scope(practice=comparison.practice):
        Comparison.objects.filter(pk=comparison.pk).update(status=Comparison.Status.FAILED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api_counsellor.post(url(comparison, "retry/"))

    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert response.json()["status_url"].endswith(f"/comparisons/{comparison.public_id}/")
    assert len(callbacks) == 1


def test_trend_follows_the_couples_finished_comparisons(
    api_counsellor: APIClient,
    comparison: Comparison,
    couple: Any,
    counsellor_membership: Membership,
) -> None:
    later = compared(assign(couple, "balance-of-power-inventory", counsellor_membership))

    response = api_counsellor.get(url(later, "trend/"))

    assert response.status_code == 200
    points = response.json()["points"]
    assert [p["comparison"] for p in points] == [str(comparison.public_id), str(later.public_id)]
    assert points[0]["overall_index"] == comparison.overall_index
    assert points[1]["overall_reliable_change"] is True
    assert set(points[0]["area_indices"]) == {
        area["slug"] for area in later.assignment.instrument_version.areas
    }


def test_trend_leaves_out_comparisons_of_other_instruments(
    api_counsellor: APIClient,
    comparison: Comparison,
    couple: Any,
    counsellor_membership: Membership,
) -> None:
    compared(assign(couple, "balance-check-in", counsellor_membership))
    later = compared(assign(couple, "balance-of-power-inventory", counsellor_membership))

    response = api_counsellor.get(url(later, "trend/"))

    assert response.json()["instrument"] == "balance-of-power-inventory"
    assert [p["comparison"] for p in response.json()["points"]] == [
        str(comparison.public_id),
        str(later.public_id),
    ]


def test_trend_of_a_comparison_not_yet_done_is_empty(
    api_counsellor: APIClient, assignment: NewAssignment, practice: Practice
) -> None:
    from tests.support.answering import submit

    submit(assignment.assignment, "a")
    submit(assignment.assignment, "b")
    with scope(practice=practice):
        pending = Comparison.objects.get(assignment=assignment.assignment)

    response = api_counsellor.get(url(pending, "trend/"))

    assert response.status_code == 200
    assert response.json()["points"] == []


def test_each_comparison_carries_its_own_open_safety_status(
    api_counsellor: APIClient,
    comparison: Comparison,
    couple: Any,
    counsellor_membership: Membership,
) -> None:
    urgent = urgent_screener(couple, counsellor_membership)
    caution = set_level(urgent_screener(couple, counsellor_membership), "caution")
    cleared = urgent_screener(couple, counsellor_membership)
    check_ins_recorded(cleared, counsellor_membership)

    rows = api_counsellor.get(comparisons(comparison.practice)).json()["results"]
    statuses = {row["id"]: row["safety_status"] for row in rows}

    assert statuses == {
        str(comparison.public_id): "none",
        str(urgent.public_id): "review",
        str(caution.public_id): "caution",
        str(cleared.public_id): "none",
    }
    assert api_counsellor.get(url(urgent)).json()["safety_status"] == "review"
