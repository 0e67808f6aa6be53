from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django_scopes import scope

from assessments.assignments.services import NewAssignment, response_reopen
from assessments.comparisons import services as comparisons
from assessments.models import Comparison, Response
from clients.models import Couple
from practice.models import Membership, Practice
from tests.factories import CoupleFactory, MembershipFactory
from tests.support.answering import submit
from tests.support.comparing import (
    a_holds_the_say,
    assign,
    b_agrees_a_holds_the_say,
    b_reports_fear,
    compared,
)
from tests.support.flags import check_ins_recorded, finished_days_ago, set_level, urgent_screener

pytestmark = pytest.mark.django_db


def report_url(new: NewAssignment) -> str:
    return reverse(
        "assignment-report",
        kwargs={
            "practice_slug": new.assignment.practice.slug,
            "assignment_id": new.assignment.public_id,
        },
    )


@pytest.fixture
def imbalanced(assignment: NewAssignment) -> Comparison:
    return compared(assignment, a_holds_the_say, b_agrees_a_holds_the_say)


@pytest.fixture
def screened(
    library: None, couple: Couple, counsellor_membership: Membership
) -> tuple[NewAssignment, Comparison]:
    new = assign(couple, "signs-of-imbalance", counsellor_membership)
    return new, compared(new, b=b_reports_fear)


def test_assigned_counsellor_reads_the_report_with_index_areas_charts_and_topics(
    imbalanced: Comparison, assignment: NewAssignment, as_counsellor: Client
) -> None:
    response = as_counsellor.get(report_url(assignment))

    body = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Overall balance index" in body
    assert f'<span class="stat__value">{imbalanced.overall_index}</span>' in body
    assert 'class="band band--severe"' in body
    for key in ("area-ranking", "balance-bars", "wellbeing-radar", "disagreements", "pca"):
        assert f'data-figure="{key}-data"' in body
        assert f'id="{key}-data" type="application/json"' in body
    # One comparison is not a trend: a sentence stands in for the chart.
    assert 'data-figure="trend-data"' not in body
    assert "This is the first Balance of Power Inventory this couple has completed" in body
    assert "Show the data as a table" in body
    result = imbalanced.as_result()
    assert result is not None
    for topic in result.topics[:3]:
        in_names = topic.rationale.replace("Partner A", "Sam").replace("Partner B", "Alex")
        assert escape(in_names) in body
    assert "/static/vendor/plotly.min.js" in body


def test_the_report_uses_a_constant_number_of_queries_whatever_the_caseload(
    assignment: NewAssignment,
    imbalanced: Comparison,
    as_counsellor: Client,
    practice: Practice,
    counsellor_membership: Membership,
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_counsellor.get(report_url(assignment)).status_code == 200
        return len(captured)

    queries()  # the first view renders the charts and stores them
    before = queries()
    for _ in range(15):
        CoupleFactory.create(practice=practice, counsellors=[counsellor_membership])
    follow_up = assign(assignment.assignment.couple, "balance-check-in", counsellor_membership)
    compared(follow_up, a_holds_the_say, b_agrees_a_holds_the_say)

    assert queries() == before


def test_the_trend_charts_only_comparisons_of_the_same_instrument(
    assignment: NewAssignment,
    imbalanced: Comparison,
    as_counsellor: Client,
    counsellor_membership: Membership,
) -> None:
    couple = assignment.assignment.couple
    screener = assign(couple, "signs-of-imbalance", counsellor_membership)
    compared(screener, b=b_reports_fear)
    again = assign(couple, "balance-of-power-inventory", counsellor_membership)
    compared(again)

    inventory_page = as_counsellor.get(report_url(again)).content.decode()
    screener_page = as_counsellor.get(report_url(screener)).content.decode()

    assert 'data-figure="trend-data"' in inventory_page
    trend_table = inventory_page[inventory_page.index("Balance index per assessment") :]
    trend_table = trend_table[: trend_table.index("</table>")]
    assert trend_table.count("<tr>") == 3  # the header and the two inventory comparisons
    assert 'data-figure="trend-data"' not in screener_page
    assert "This is the first Signs of Imbalance Check this couple has completed" in screener_page


def test_safety_flags_show_a_banner_until_the_check_in_is_recorded(
    screened: tuple[NewAssignment, Comparison], as_counsellor: Client
) -> None:
    new, comparison = screened
    page = as_counsellor.get(report_url(new)).content.decode()

    assert 'class="safety-banner stack"' in page
    assert "Individual safety check-in before any joint feedback" in page
    assert "Urgent" in page
    assert page.index("safety-title") < page.index("areas-title")

    url = reverse(
        "safety-check-in",
        kwargs={
            "practice_slug": new.assignment.practice.slug,
            "assignment_id": new.assignment.public_id,
        },
    )
    assert as_counsellor.post(url).status_code == 302

    after = as_counsellor.get(report_url(new)).content.decode()
    assert 'class="safety-banner stack"' not in after
    assert "Individual check-ins recorded on" in after
    with scope(practice=comparison.practice):
        comparison.refresh_from_db()
    assert comparison.safety_cleared_at is not None


def test_safety_items_never_appear_on_the_couple_page(
    screened: tuple[NewAssignment, Comparison], as_counsellor: Client, as_admin: Client
) -> None:
    new, _ = screened
    safety_texts = [
        i["text"] for i in new.assignment.instrument_version.items if i["sensitivity"] == "safety"
    ]
    couple = new.assignment.couple
    url = reverse(
        "couple-detail",
        kwargs={"practice_slug": couple.practice.slug, "couple_id": couple.public_id},
    )
    page = as_counsellor.get(url).content.decode()
    admin_page = as_admin.get(url).content.decode()

    assert safety_texts
    for text in safety_texts:
        assert escape(text) not in page
        assert escape(text) not in admin_page
    # The couple's own counsellor sees that a flag is open (the status), never what was answered;
    # an admin who does not counsel the couple sees nothing of it.
    assert "Safety review" in page
    assert "Safety" not in admin_page


def test_report_waits_for_the_partners_then_shows_the_job_status(
    assignment: NewAssignment, as_counsellor: Client
) -> None:
    waiting = as_counsellor.get(report_url(assignment)).content.decode()
    assert "Waiting for both partners" in waiting

    status_url = reverse(
        "comparison-status",
        kwargs={
            "practice_slug": assignment.assignment.practice.slug,
            "assignment_id": assignment.assignment.public_id,
        },
    )
    assert as_counsellor.get(status_url).json() == {"status": "waiting"}


def test_a_failed_comparison_offers_a_retry_that_queues_it_again(
    imbalanced: Comparison, assignment: NewAssignment, as_counsellor: Client
) -> None:
    with scope(practice=imbalanced.practice):
        Comparison.objects.filter(pk=imbalanced.pk).update(status="failed", result=None)
    page = as_counsellor.get(report_url(assignment)).content.decode()
    assert "Retry the comparison" in page

    retry = reverse(
        "comparison-retry",
        kwargs={
            "practice_slug": assignment.assignment.practice.slug,
            "assignment_id": assignment.assignment.public_id,
        },
    )
    assert as_counsellor.post(retry).status_code == 302
    with scope(practice=imbalanced.practice):
        imbalanced.refresh_from_db()
    assert imbalanced.status == Comparison.Status.PENDING


@pytest.mark.parametrize(
    ("persona", "status"),
    [("as_admin", 403), ("as_outsider", 404), ("unassigned", 404)],
    ids=["admin who does not counsel: role refused", "other practice", "unassigned counsellor"],
)
def test_only_assigned_counsellors_reach_reports_and_their_actions(
    persona: str,
    status: int,
    request: pytest.FixtureRequest,
    imbalanced: Comparison,
    assignment: NewAssignment,
    practice: Practice,
) -> None:
    if persona == "unassigned":
        web = Client()
        web.force_login(MembershipFactory.create(practice=practice).user)
    else:
        web = request.getfixturevalue(persona)
    kwargs = {"practice_slug": practice.slug, "assignment_id": assignment.assignment.public_id}

    missing = {**kwargs, "assignment_id": "00000000-0000-0000-0000-000000000000"}

    for name in ("assignment-report", "comparison-status"):
        assert web.get(reverse(name, kwargs=kwargs)).status_code == status
        assert web.get(reverse(name, kwargs=missing)).status_code == status
    for name in ("comparison-retry", "safety-check-in"):
        assert web.post(reverse(name, kwargs=kwargs)).status_code == status
    with scope(practice=practice):
        imbalanced.refresh_from_db()
    assert imbalanced.safety_cleared_at is None


def test_anonymous_visitors_are_sent_to_login(
    imbalanced: Comparison, assignment: NewAssignment, anonymous: Client
) -> None:
    response = anonymous.get(report_url(assignment))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# The report header and the safety status ---------------------------------------------------------


def heading(page: str) -> str:
    return page[page.index("<h1>") : page.index("</h1>")]


def summary(page: str) -> str:
    start = page.index('aria-label="Summary"')
    return page[start : page.index("</section>", start)]


BAND_WORDS = ("Balanced", "Watch", "Imbalanced", "Severe", 'class="band ')


def test_an_open_urgent_flag_shows_safety_review_in_the_header_in_place_of_the_band(
    screened: tuple[NewAssignment, Comparison], as_counsellor: Client
) -> None:
    new, comparison = screened
    page = as_counsellor.get(report_url(new)).content.decode()

    assert 'class="pill pill--safety" data-safety-status>Safety review</span>' in heading(page)
    head = summary(page)
    assert f'<span class="stat__value">{comparison.overall_index}</span>' in head
    assert "Safety review" in head
    assert not any(word in head for word in BAND_WORDS)


def test_an_open_caution_flag_puts_a_marker_beside_the_band_in_the_header(
    screened: tuple[NewAssignment, Comparison], as_counsellor: Client
) -> None:
    new, comparison = screened
    set_level(comparison, "caution")

    page = as_counsellor.get(report_url(new)).content.decode()

    assert "Check-in advised" in heading(page)
    head = summary(page)
    assert f'class="band band--{comparison.overall_band}"' in head
    assert "Check-in advised" in head
    assert "Safety review" not in page


def test_after_the_check_ins_the_header_shows_the_band_again(
    screened: tuple[NewAssignment, Comparison],
    as_counsellor: Client,
    counsellor_membership: Membership,
) -> None:
    new, comparison = screened
    check_ins_recorded(comparison, counsellor_membership)

    page = as_counsellor.get(report_url(new)).content.decode()

    assert "Safety review" not in page
    assert "Check-in advised" not in page
    assert f'class="band band--{comparison.overall_band}"' in summary(page)


def test_a_flag_on_another_assessment_keeps_this_report_from_reading_as_balanced(
    screened: tuple[NewAssignment, Comparison], assignment: NewAssignment, as_counsellor: Client
) -> None:
    flagged, _ = screened
    finished_days_ago(screened[1], 40)
    inventory = compared(assignment)
    assert inventory.overall_band == "balanced"

    page = as_counsellor.get(report_url(assignment)).content.decode()

    assert "Safety review" in heading(page)
    assert not any(word in summary(page) for word in BAND_WORDS)
    callout = page[page.index('id="other-flags-title"') : page.index("</aside>")]
    assert f'href="{report_url(flagged)}"' in callout
    assert "Urgent flag" in callout


def test_an_open_flag_on_earlier_answers_to_the_same_assessment_can_be_closed_from_the_header(
    screened: tuple[NewAssignment, Comparison],
    as_counsellor: Client,
    counsellor_membership: Membership,
) -> None:
    new, earlier = screened
    with scope(practice=new.assignment.practice):
        answers = Response.objects.filter(assignment=new.assignment, partner="b").latest(
            "answers_version"
        )
        response_reopen(response=answers, by=counsellor_membership, reason="Answered in a hurry")
    submit(new.assignment, "b")  # B now answers "never" to the safety items
    with scope(practice=new.assignment.practice):
        later = Comparison.objects.filter(assignment=new.assignment).latest("created_at")
        comparisons.comparison_start_attempt(comparison_id=later.pk)
        later = comparisons.comparison_finish(comparison_id=later.pk)
    assert later.pk != earlier.pk
    assert later.safety_level == ""

    page = as_counsellor.get(report_url(new)).content.decode()

    assert "Safety review" in heading(page)
    callout = page[page.index('id="other-flags-title"') : page.index("</aside>")]
    assert "Earlier answers to this assessment" in callout
    assert f'name="comparison" value="{earlier.public_id}"' in callout
    check_in = reverse(
        "safety-check-in",
        kwargs={
            "practice_slug": new.assignment.practice.slug,
            "assignment_id": new.assignment.public_id,
        },
    )
    assert as_counsellor.post(check_in, {"comparison": str(earlier.public_id)}).status_code == 302

    with scope(practice=earlier.practice):
        earlier.refresh_from_db()
        later.refresh_from_db()
    assert earlier.safety_cleared_at is not None
    after = as_counsellor.get(report_url(new)).content.decode()
    assert "Safety review" not in after
    assert 'id="other-flags-title"' not in after


def test_check_ins_for_a_comparison_of_another_assessment_or_an_unknown_one_answer_404(
    screened: tuple[NewAssignment, Comparison], assignment: NewAssignment, as_counsellor: Client
) -> None:
    _, flagged = screened
    compared(assignment)
    check_in = reverse(
        "safety-check-in",
        kwargs={
            "practice_slug": assignment.assignment.practice.slug,
            "assignment_id": assignment.assignment.public_id,
        },
    )

    for value in (str(flagged.public_id), str(uuid.uuid4()), "not-an-id"):
        assert as_counsellor.post(check_in, {"comparison": value}).status_code == 404
    with scope(practice=flagged.practice):
        flagged.refresh_from_db()
    assert flagged.safety_cleared_at is None


def test_the_report_needs_the_same_queries_whatever_the_number_of_open_flags(
    screened: tuple[NewAssignment, Comparison],
    as_counsellor: Client,
    couple: Couple,
    counsellor_membership: Membership,
) -> None:
    new, _ = screened

    def queries() -> int:
        # Each new comparison of the couple changes the trend: the first view draws it again.
        as_counsellor.get(report_url(new))
        with CaptureQueriesContext(connection) as captured:
            assert as_counsellor.get(report_url(new)).status_code == 200
        return len(captured)

    before = queries()
    for n in range(4):
        flagged = urgent_screener(couple, counsellor_membership)
        if n % 2:
            set_level(flagged, "caution")

    assert queries() == before
