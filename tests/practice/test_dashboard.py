"""The practice dashboard: correct aggregates for a hand-built practice, no names, admins only,
another practice never counted, and a query count that does not grow with the caseload."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from assessments.assignments.services import NewAssignment, assignment_create, response_reopen
from assessments.comparisons import services as comparisons
from assessments.dashboard.selectors import Dashboard, WorkloadRow, practice_dashboard
from assessments.models import Assignment, Comparison, InstrumentVersion, Response
from clients.models import Couple, Invitation
from clients.services import PartnerDetails, couple_create, couple_set_status
from practice.models import Membership, Practice
from tests.factories import MembershipFactory
from tests.support.answering import answer_all, submit
from tests.support.comparing import a_holds_the_say, b_agrees_a_holds_the_say
from tests.support.flags import check_ins_recorded, finished_days_ago, set_level, urgent_screener

pytestmark = pytest.mark.django_db

CHART_KEYS = ("completion-funnel", "top-areas", "workloads", "index-trend")
EMPTY_STATE = "No assessments yet — assign one from a couple's page."


def names(name: str, html: str) -> bool:
    """Whether the page shows the name as a word: the page's random CSRF token may hold the
    letters of a short name (`...XpSamGMr...`)."""
    return re.search(rf"\b{re.escape(name)}\b", html) is not None


def dashboard_url(practice: Practice) -> str:
    return reverse("practice-dashboard", kwargs={"practice_slug": practice.slug})


def new_couple(practice: Practice, counsellors: list[Membership], names: tuple[str, str]) -> Couple:
    with scope(practice=practice):
        return couple_create(
            practice=practice,
            partner_a=PartnerDetails(names[0]),
            partner_b=PartnerDetails(names[1]),
            counsellors=counsellors,
        )


def assign(couple: Couple, by: Membership) -> Assignment:
    version = InstrumentVersion.objects.current().get(instrument__slug="balance-of-power-inventory")
    with scope(practice=couple.practice):
        return assignment_create(
            couple=couple, instrument_version=version, created_by=by
        ).assignment


def make_overdue(assignment: Assignment) -> None:
    # The service refuses a due date in the past, so time passes by hand.
    with scope(practice=assignment.practice):
        Assignment.objects.filter(pk=assignment.pk).update(
            due_date=timezone.localdate() - datetime.timedelta(days=3)
        )


def open_link(assignment: Assignment, partner: str) -> None:
    with scope(practice=assignment.practice):
        Invitation.objects.filter(assignment=assignment, partner=partner).update(
            opened_at=timezone.now()
        )


def compute(assignment: Assignment) -> Comparison:
    """Runs the comparison job's two steps in-process."""
    with scope(practice=assignment.practice):
        comparison = Comparison.objects.filter(assignment=assignment).latest("created_at")
        comparisons.comparison_start_attempt(comparison_id=comparison.pk)
        comparisons.comparison_finish(comparison_id=comparison.pk)
        # With what the tests read from it (outside the scope the database loads no relation).
        return Comparison.objects.select_related(
            "assignment__couple", "assignment__instrument_version"
        ).get(pk=comparison.pk)


def compared(assignment: Assignment, imbalanced: bool = True) -> Comparison:
    if imbalanced:
        submit(assignment, "a", a_holds_the_say)
        submit(assignment, "b", b_agrees_a_holds_the_say)
    else:
        submit(assignment, "a")
        submit(assignment, "b")
    return compute(assignment)


def reach_stage(assignment: Assignment, stage: int) -> None:
    """Takes an assignment to funnel stage 0 (assigned) .. 5 (compared)."""
    if stage == 1:
        open_link(assignment, "a")
    elif stage == 2:
        answer_all(assignment, "a")
    elif stage == 3:
        submit(assignment, "a")
    elif stage == 4:
        submit(assignment, "a")
        submit(assignment, "b")
    elif stage == 5:
        compared(assignment)


@dataclass(frozen=True)
class Built:
    severe: Comparison
    balanced: Comparison


@pytest.fixture
def built(
    assignment: NewAssignment, practice: Practice, counsellor_membership: Membership
) -> Built:
    """A small practice by hand, one assignment per couple:

    couple   counsellor  stage                               due
    Sam&Alex Cleo        compared, severe                    -
    2        Cleo        opened by one partner               overdue
    3        Dana        in progress                         -
    4        Dana        one partner submitted               -
    5        Cleo        compared, balanced                  -
    6        Dana        assigned, then the couple archived  -
    7        Cleo        both submitted, not yet compared    past, but both submitted
    """
    cleo = counsellor_membership
    dana = MembershipFactory.create(practice=practice, user__full_name="Dana Second")
    severe = compared(assignment.assignment)

    second = assign(new_couple(practice, [cleo], ("Pat", "Lee")), cleo)
    open_link(second, "a")
    make_overdue(second)

    third = assign(new_couple(practice, [dana], ("Kim", "Jo")), dana)
    answer_all(third, "a")

    fourth = assign(new_couple(practice, [dana], ("Max", "Ray")), dana)
    submit(fourth, "a")

    balanced = compared(assign(new_couple(practice, [cleo], ("Ash", "Bo")), cleo), False)

    sixth_couple = new_couple(practice, [dana], ("Cy", "Di"))
    assign(sixth_couple, dana)
    with scope(practice=practice):
        couple_set_status(couple=sixth_couple, status=Couple.Status.ARCHIVED)

    seventh = assign(new_couple(practice, [cleo], ("Ed", "Fy")), cleo)
    submit(seventh, "a")
    submit(seventh, "b")
    make_overdue(seventh)
    return Built(severe, balanced)


def dashboard_of(web: Client, practice: Practice) -> Dashboard:
    response = web.get(dashboard_url(practice))
    assert response.status_code == 200
    return response.context["dashboard"]


def this_month_label(practice: Practice) -> str:
    now = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(practice.timezone))
    return now.strftime("%b %Y")


# Numbers -----------------------------------------------------------------------------------------


def test_admin_sees_the_completion_funnel_counted_in_assignments(
    built: Built, as_admin: Client, practice: Practice
) -> None:
    funnel = dashboard_of(as_admin, practice).funnel

    assert funnel.stages == (
        ("Assigned", 7),
        ("Opened", 6),
        ("In progress", 5),
        ("One partner submitted", 4),
        ("Both submitted", 3),
        ("Compared", 2),
    )


def test_admin_sees_headline_stats_for_active_couples(
    built: Built, as_admin: Client, practice: Practice
) -> None:
    stats = dashboard_of(as_admin, practice).stats
    indices = [built.severe.overall_index, built.balanced.overall_index]
    assert None not in indices
    mean = sum(i for i in indices if i is not None) / 2

    assert stats.active_couples == 6
    assert stats.open_assignments == 3
    assert stats.overdue_assignments == 1
    assert stats.recent_comparisons == 2
    assert stats.mean_index == pytest.approx(mean)
    assert stats.mean_band in {"balanced", "watch", "imbalanced", "severe"}


def test_admin_sees_how_many_active_couples_have_an_open_safety_review(
    built: Built,
    as_admin: Client,
    practice: Practice,
    counsellor_membership: Membership,
    other_couple: Couple,
    outsider_membership: Membership,
) -> None:
    cleo = counsellor_membership
    assert dashboard_of(as_admin, practice).stats.safety_reviews == 0

    in_review = built.severe.assignment.couple
    urgent_screener(in_review, cleo)
    urgent_screener(in_review, cleo)  # two open flags, one couple
    long_ago = new_couple(practice, [cleo], ("Gus", "Hal"))
    finished_days_ago(urgent_screener(long_ago, cleo), 200)
    cautious = new_couple(practice, [cleo], ("Ivy", "Jay"))
    set_level(urgent_screener(cautious, cleo), "caution")
    cleared = new_couple(practice, [cleo], ("Kit", "Lou"))
    check_ins_recorded(urgent_screener(cleared, cleo), cleo)
    archived = new_couple(practice, [cleo], ("Mo", "Ned"))
    urgent_screener(archived, cleo)
    with scope(practice=practice):
        couple_set_status(couple=archived, status=Couple.Status.ARCHIVED)
    urgent_screener(other_couple, outsider_membership)

    response = as_admin.get(dashboard_url(practice))

    assert response.context["dashboard"].stats.safety_reviews == 2
    html = response.content.decode()
    assert re.search(
        r'<span class="stat__value">2</span>\s*<span class="stat__label">Active couples with an '
        r"open safety review",
        html,
    )
    for name in ("Sam", "Alex", "Gus", "Hal"):
        assert not names(name, html)


def test_headline_mean_uses_only_each_couples_latest_done_comparison(
    built: Built, as_admin: Client, practice: Practice, counsellor_membership: Membership
) -> None:
    # A balanced re-assessment of the severe couple replaces its severe result in the mean.
    couple = built.severe.assignment.couple
    compared(assign(couple, counsellor_membership), imbalanced=False)

    dashboard = dashboard_of(as_admin, practice)

    assert dashboard.stats.mean_index == pytest.approx(built.balanced.overall_index)
    assert dashboard.top_areas == ()
    assert dashboard.stats.recent_comparisons == 3


def test_top_areas_count_only_imbalanced_couples_under_the_instruments_area_title(
    built: Built, as_admin: Client, practice: Practice
) -> None:
    version = built.severe.assignment.instrument_version
    titles = {area["slug"]: area["title"] for area in version.areas}

    top_areas = dashboard_of(as_admin, practice).top_areas

    assert built.severe.overall_band != "balanced"
    assert built.balanced.overall_band == "balanced"
    assert top_areas == ((titles[built.severe.top_area], 1),)


def test_workloads_number_counsellors_by_caseload_without_names(
    built: Built, as_admin: Client, practice: Practice
) -> None:
    workloads = dashboard_of(as_admin, practice).workloads

    # Cleo: four active couples, one open assignment; Dana: two active (one archived), two open.
    assert workloads == (
        WorkloadRow("Counsellor 1", 4, 1),
        WorkloadRow("Counsellor 2", 2, 2),
    )


def test_reopened_answers_make_an_assignment_open_again_in_the_stats_and_the_workloads(
    built: Built, as_admin: Client, practice: Practice, counsellor_membership: Membership
) -> None:
    with scope(practice=practice):
        response = Response.objects.get(assignment=built.severe.assignment, partner="a")
        response_reopen(response=response, by=counsellor_membership, reason="Wrong week.")

    dashboard = dashboard_of(as_admin, practice)

    assert dashboard.stats.open_assignments == 4
    assert dashboard.workloads[0] == WorkloadRow("Counsellor 1", 4, 2)
    # It was compared before the reopening, so the funnel still counts it as both submitted.
    assert dashboard.funnel.both_submitted == 3


def test_an_admin_who_counsels_sees_their_own_row_as_you(
    built: Built, as_admin: Client, practice: Practice, admin_membership: Membership
) -> None:
    with scope(practice=practice), scopes_disabled():
        Membership.objects.filter(pk=admin_membership.pk).update(is_counsellor=True)
        built.severe.assignment.couple.counsellors.add(admin_membership)

    workloads = dashboard_of(as_admin, practice).workloads

    assert workloads == (
        WorkloadRow("Counsellor 1", 4, 1),
        WorkloadRow("Counsellor 2", 2, 2),
        WorkloadRow("You", 1, 0),
    )


def test_trend_shows_this_months_mean_index_and_number_of_comparisons(
    built: Built, as_admin: Client, practice: Practice
) -> None:
    trend = dashboard_of(as_admin, practice).trend
    indices = [built.severe.overall_index or 0, built.balanced.overall_index or 0]

    assert [(p.label, p.comparisons) for p in trend] == [(this_month_label(practice), 2)]
    assert trend[0].mean_index == pytest.approx(sum(indices) / 2)


def test_trend_keeps_the_last_twelve_months_and_leaves_empty_months_as_gaps(
    built: Built, as_admin: Client, practice: Practice
) -> None:
    now = timezone.now()
    with scope(practice=practice):
        Comparison.objects.filter(pk=built.balanced.pk).update(
            finished_at=now - datetime.timedelta(days=62)
        )
        Comparison.objects.filter(pk=built.severe.pk).update(
            finished_at=now - datetime.timedelta(days=400)
        )

    trend = dashboard_of(as_admin, practice).trend

    assert len(trend) in (3, 4)  # two or three months back, depending on the day of the month
    assert (trend[0].mean_index, trend[0].comparisons) == (built.balanced.overall_index, 1)
    assert all(p.mean_index is None and p.comparisons == 0 for p in trend[1:])
    assert trend[-1].label == this_month_label(practice)


def test_trend_months_are_the_practices_calendar_months(
    built: Built, as_admin: Client, practice: Practice
) -> None:
    # Thirteen hours ahead of UTC in December: a minute after local midnight on the 1st is
    # still the last day of the previous month in UTC.
    practice.timezone = "Pacific/Auckland"
    practice.save(update_fields=["timezone"])
    tz = zoneinfo.ZoneInfo(practice.timezone)
    month_start = timezone.localtime(timezone.now(), tz).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    with scope(practice=practice):
        Comparison.objects.filter(pk=built.severe.pk).update(
            finished_at=month_start + datetime.timedelta(minutes=1)
        )
        Comparison.objects.filter(pk=built.balanced.pk).update(
            finished_at=month_start - datetime.timedelta(minutes=1)
        )

    trend = dashboard_of(as_admin, practice).trend

    assert [(p.label, p.comparisons, p.mean_index) for p in trend] == [
        (
            (month_start - datetime.timedelta(days=1)).strftime("%b %Y"),
            1,
            built.balanced.overall_index,
        ),
        (month_start.strftime("%b %Y"), 1, built.severe.overall_index),
    ]


# What the page shows -----------------------------------------------------------------------------


def test_the_page_names_no_client_and_no_counsellor(
    built: Built, as_admin: Client, practice: Practice
) -> None:
    html = as_admin.get(dashboard_url(practice)).content.decode()

    for name in ("Sam", "Alex", "Pat", "Kim", "Cleo", "Dana", "Second", "Ada Admin"):
        assert not names(name, html)
    assert "Counsellor 1" in html
    assert "Counsellor 2" in html


def test_the_page_shows_the_stats_and_each_charts_summary_and_table(
    built: Built, as_admin: Client, practice: Practice
) -> None:
    html = as_admin.get(dashboard_url(practice)).content.decode()

    assert html.count('class="card stat"') == 6  # open safety reviews joined the five
    assert "Assessment completion" in html
    assert "Show the data as a table" in html
    assert "7 at “Assigned”; 2 (29%) reached “Compared”." in html
    assert EMPTY_STATE not in html


def test_the_page_has_a_figure_placeholder_and_json_data_for_each_chart(
    built: Built, as_admin: Client, practice: Practice
) -> None:
    html = as_admin.get(dashboard_url(practice)).content.decode()

    for key in CHART_KEYS:
        assert f'data-figure="{key}-data"' in html
        assert f'<script id="{key}-data" type="application/json">' in html


def test_the_page_has_no_inline_script_but_the_chart_data(
    built: Built, as_admin: Client, practice: Practice
) -> None:
    html = as_admin.get(dashboard_url(practice)).content.decode()
    tags = re.findall(r"<script\b[^>]*>", html)

    assert tags
    for tag in tags:
        assert " src=" in tag or 'type="application/json"' in tag, tag
    assert sum('type="application/json"' in tag for tag in tags) == len(CHART_KEYS)


def test_a_practice_without_assessments_shows_what_to_do_next(
    as_admin: Client, practice: Practice, couple: Couple
) -> None:
    response = as_admin.get(dashboard_url(practice))
    html = response.content.decode()

    assert response.status_code == 200
    assert EMPTY_STATE in html
    assert response.context["dashboard"].stats.active_couples == 1
    assert response.context["dashboard"].stats.mean_index is None
    assert 'data-figure="completion-funnel-data"' not in html


def test_admins_find_the_dashboard_in_the_navigation(as_admin: Client, practice: Practice) -> None:
    html = as_admin.get(reverse("practice-members", kwargs={"practice_slug": practice.slug}))

    assert f'href="{dashboard_url(practice)}"'.encode() in html.content


def test_counsellors_do_not_find_the_dashboard_in_the_navigation(
    as_counsellor: Client, practice: Practice
) -> None:
    html = as_counsellor.get(reverse("practice-home", kwargs={"practice_slug": practice.slug}))

    assert dashboard_url(practice).encode() not in html.content


# Who may see it ----------------------------------------------------------------------------------


def test_counsellor_who_is_not_admin_gets_403(as_counsellor: Client, practice: Practice) -> None:
    assert as_counsellor.get(dashboard_url(practice)).status_code == 403


def test_member_of_another_practice_gets_404_like_a_missing_practice(
    as_outsider: Client, practice: Practice
) -> None:
    foreign = as_outsider.get(dashboard_url(practice))
    missing = as_outsider.get(dashboard_url(Practice(slug="no-such-practice")))

    assert foreign.status_code == missing.status_code == 404
    assert practice.name.encode() not in foreign.content


def test_anonymous_visitor_is_sent_to_login(anonymous: Client, practice: Practice) -> None:
    response = anonymous.get(dashboard_url(practice))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_dashboard_only_answers_reads(as_admin: Client, practice: Practice) -> None:
    assert as_admin.post(dashboard_url(practice)).status_code == 405


def test_another_practices_data_is_never_counted(
    built: Built,
    as_admin: Client,
    practice: Practice,
    other_couple: Couple,
    outsider_membership: Membership,
) -> None:
    before = dashboard_of(as_admin, practice)

    other = assign(other_couple, outsider_membership)
    compared(other)
    overdue = assign(
        new_couple(other_couple.practice, [outsider_membership], ("Canary", "Finch")),
        outsider_membership,
    )
    open_link(overdue, "b")
    make_overdue(overdue)
    after = dashboard_of(as_admin, practice)

    assert after == before


# Cost --------------------------------------------------------------------------------------------


def grow_caseload(practice: Practice, counsellor: Membership, count: int, start: int) -> None:
    """Couples in every stage in turn, so each aggregate has rows to count."""
    for number in range(start, start + count):
        couple = new_couple(practice, [counsellor], (f"P{number}a", f"P{number}b"))
        reach_stage(assign(couple, counsellor), number % 6)


def queries_for(web: Client, practice: Practice) -> int:
    with CaptureQueriesContext(connection) as context:
        assert web.get(dashboard_url(practice)).status_code == 200
    return len(context.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_caseload(
    as_admin: Client,
    practice: Practice,
    library: None,
    counsellor_membership: Membership,
    django_assert_num_queries: Any,
) -> None:
    grow_caseload(practice, counsellor_membership, 2, start=4)
    small = queries_for(as_admin, practice)

    grow_caseload(practice, counsellor_membership, 10, start=6)
    with django_assert_num_queries(small):
        response = as_admin.get(dashboard_url(practice))

    assert response.context["dashboard"].funnel.assigned == 12
    assert response.context["dashboard"].stats.active_couples == 12


def test_the_dashboard_reads_everything_in_eight_queries(
    built: Built, practice: Practice, admin_membership: Membership, django_assert_num_queries: Any
) -> None:
    with scope(practice=practice), django_assert_num_queries(8):
        practice_dashboard(practice, admin_membership)


def test_open_safety_reviews_cost_no_extra_query(
    built: Built,
    practice: Practice,
    admin_membership: Membership,
    counsellor_membership: Membership,
    django_assert_num_queries: Any,
) -> None:
    for number in range(3):
        couple = new_couple(practice, [counsellor_membership], (f"F{number}a", f"F{number}b"))
        urgent_screener(couple, counsellor_membership)

    with scope(practice=practice), django_assert_num_queries(8):
        dashboard = practice_dashboard(practice, admin_membership)

    assert dashboard.stats.safety_reviews == 3
