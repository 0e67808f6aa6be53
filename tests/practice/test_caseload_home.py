from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from assessments.models import Comparison
from assessments.services import NewAssignment
from clients.models import Couple
from practice.models import Membership, Practice
from tests.factories import CoupleFactory
from tests.support.comparing import a_holds_the_say, assign, b_agrees_a_holds_the_say, compared

pytestmark = pytest.mark.django_db


def test_the_counsellor_home_shows_latest_results_and_what_just_finished(
    assignment: NewAssignment, as_counsellor: Client, practice: Practice
) -> None:
    comparison = compared(assignment, a_holds_the_say, b_agrees_a_holds_the_say)

    body = as_counsellor.get(f"/p/{practice.slug}/").content.decode()

    assert "Your couples" in body
    assert "Sam &amp; Alex" in body
    assert f'<td class="num">{comparison.overall_index}</td>' in body
    assert 'class="band band--severe"' in body
    assert "Just finished" in body
    assert f"/assignments/{assignment.assignment.public_id}/report/" in body


def test_failed_comparisons_are_listed_with_a_retry_button(
    assignment: NewAssignment, as_counsellor: Client, practice: Practice
) -> None:
    comparison = compared(assignment)
    with scope(practice=practice):
        Comparison.objects.filter(pk=comparison.pk).update(status="failed")

    body = as_counsellor.get(f"/p/{practice.slug}/").content.decode()

    assert "Comparisons that failed" in body
    assert f"/assignments/{assignment.assignment.public_id}/report/retry/" in body


def test_other_counsellors_couples_never_appear(
    practice: Practice, as_counsellor: Client, admin_membership: Membership
) -> None:
    CoupleFactory.create(
        practice=practice,
        partner_a__display_name="Unseen",
        partner_b__display_name="Pair",
        counsellors=[admin_membership],
    )

    body = as_counsellor.get(f"/p/{practice.slug}/").content.decode()

    assert "Unseen" not in body
    assert "No couples yet" in body


def test_the_home_page_needs_the_same_queries_for_a_bigger_caseload(
    library: None,
    couple: Couple,
    as_counsellor: Client,
    practice: Practice,
    counsellor_membership: Membership,
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_counsellor.get(f"/p/{practice.slug}/").status_code == 200
        return len(captured)

    before = queries()
    for _ in range(6):
        more = CoupleFactory.create(practice=practice, counsellors=[counsellor_membership])
        compared(assign(more, "balance-check-in", counsellor_membership))

    assert queries() == before


def test_an_admin_who_does_not_counsel_lands_on_the_practice_dashboard(
    as_admin: Client, practice: Practice
) -> None:
    response = as_admin.get(f"/p/{practice.slug}/")

    assert response.status_code == 302
    assert response["Location"] == f"/p/{practice.slug}/practice/dashboard/"
