"""The couple report's charts are rendered once per comparison and stored: later views read
them back, and whatever changes their inputs (a re-score, a renamed partner, a new assessment
for the trend) draws them again."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from assessments.assignments.services import NewAssignment
from assessments.comparisons import services as comparisons
from assessments.models import Comparison, ReportFigures
from practice.models import Membership
from tests.support.comparing import a_holds_the_say, assign, b_agrees_a_holds_the_say, compared

pytestmark = pytest.mark.django_db


def report_url(new: NewAssignment) -> str:
    return reverse(
        "assignment-report",
        kwargs={
            "practice_slug": new.assignment.practice.slug,
            "assignment_id": new.assignment.public_id,
        },
    )


def page(client: Client, new: NewAssignment) -> str:
    response = client.get(report_url(new))
    assert response.status_code == 200
    # The CSRF token and the script nonce differ on every response.
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'nonce="[^"]+"', "", body)


def stored(comparison: Comparison) -> dict[str, ReportFigures]:
    with scope(practice=comparison.practice):
        return {row.kind: row for row in ReportFigures.objects.filter(comparison=comparison)}


@pytest.fixture
def imbalanced(assignment: NewAssignment) -> Comparison:
    return compared(assignment, a_holds_the_say, b_agrees_a_holds_the_say)


def test_the_first_view_stores_the_charts_and_later_views_read_them_back(
    imbalanced: Comparison, assignment: NewAssignment, as_counsellor: Client
) -> None:
    with CaptureQueriesContext(connection) as first_view:
        first = page(as_counsellor, assignment)
    rows = stored(imbalanced)
    with CaptureQueriesContext(connection) as second_view:
        second = page(as_counsellor, assignment)

    assert set(rows) == {"charts", "trend"}
    assert 'data-figure="area-ranking-data"' in rows["charts"].html
    assert rows["trend"].html == ""  # one comparison is not a trend
    assert second == first
    # Stored once: the second view writes no rendering and runs fewer queries.
    written = [
        q["sql"] for q in second_view.captured_queries if "assessments_reportfigures" in q["sql"]
    ]
    assert all(sql.lstrip().upper().startswith("SELECT") for sql in written)
    assert len(second_view) < len(first_view)
    assert stored(imbalanced) == rows


def test_a_rescored_result_is_drawn_with_its_new_numbers(
    imbalanced: Comparison, assignment: NewAssignment, as_counsellor: Client
) -> None:
    practice = imbalanced.practice
    right = imbalanced.overall_index
    assert right is not None
    assert imbalanced.result is not None
    # A result stored by an older algorithm, with another overall index.
    wrong = (right + 37) % 100
    stale = {**imbalanced.result, "overall_index": wrong, "algorithm_version": "0.9"}
    with scope(practice=practice):
        Comparison.objects.filter(pk=imbalanced.pk).update(
            result=stale, overall_index=wrong, algorithm_version="0.9"
        )
    before = page(as_counsellor, assignment)

    with scope(practice=practice):
        report = comparisons.rescore(practice=practice)
    after = page(as_counsellor, assignment)

    assert report.rescored == 1
    assert f"Overall balance index {wrong} (" in before
    assert f"Overall balance index {right} (" in after
    assert f"Overall balance index {wrong} (" not in after


def test_a_renamed_partner_is_drawn_with_the_new_name(
    imbalanced: Comparison, assignment: NewAssignment, as_counsellor: Client
) -> None:
    page(as_counsellor, assignment)
    with scope(practice=assignment.assignment.practice):
        partner = assignment.assignment.couple.partner_a
        partner.display_name = "Robin Renamed"
        partner.save(update_fields=["display_name"])

    charts = page(as_counsellor, assignment).split('id="charts-title"')[1]

    assert "Robin Renamed&#x27;s wellbeing" in charts
    assert "Robin Renamed" in stored(imbalanced)["charts"].html


def test_a_later_assessment_of_the_same_instrument_adds_the_trend_to_the_earlier_report(
    imbalanced: Comparison,
    assignment: NewAssignment,
    as_counsellor: Client,
    counsellor_membership: Membership,
) -> None:
    assert 'data-figure="trend-data"' not in page(as_counsellor, assignment)
    again = assign(
        assignment.assignment.couple, "balance-of-power-inventory", counsellor_membership
    )
    compared(again)

    body = page(as_counsellor, assignment)

    assert 'data-figure="trend-data"' in body
    assert 'data-figure="trend-data"' in stored(imbalanced)["trend"].html


def test_the_stored_charts_go_with_their_comparison(
    imbalanced: Comparison, assignment: NewAssignment, as_counsellor: Client
) -> None:
    page(as_counsellor, assignment)
    with scope(practice=imbalanced.practice):
        imbalanced.delete()
        assert not ReportFigures.objects.filter(comparison_id=imbalanced.pk).exists()
