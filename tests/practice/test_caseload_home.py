from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from django_scopes import scope

from assessments.assignments.services import NewAssignment
from assessments.models import Comparison
from clients.models import Couple
from practice.models import Membership, Practice, User
from tests.factories import CoupleFactory
from tests.support.comparing import a_holds_the_say, assign, b_agrees_a_holds_the_say, compared
from tests.support.flags import check_ins_recorded, finished_days_ago, set_level, urgent_screener

pytestmark = pytest.mark.django_db


def test_the_counsellor_home_shows_latest_results_and_what_just_finished(
    assignment: NewAssignment, as_counsellor: Client, practice: Practice
) -> None:
    comparison = compared(assignment, a_holds_the_say, b_agrees_a_holds_the_say)

    body = as_counsellor.get(f"/p/{practice.slug}/").content.decode()

    assert "Your couples" in body
    assert "Sam &amp; Alex" in body
    assert f'<td class="num" data-label="Latest index">{comparison.overall_index}</td>' in body
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


# Safety status and the latest index --------------------------------------------------------------


def home(web: Client, practice: Practice) -> str:
    response = web.get(f"/p/{practice.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def table_row(body: str, couple: Couple) -> str:
    """The couple's row of the "Your couples" table."""
    table = body[body.index('aria-labelledby="couples-title"') :]
    [row] = [
        row
        for row in re.findall(r"<tr>.*?</tr>", table, flags=re.DOTALL)
        if f"/couples/{couple.public_id}/" in row
    ]
    return row


def just_finished(body: str, couple: Couple) -> list[str]:
    """The couple's entries under "Just finished"."""
    section = body[body.index('id="finished-title"') : body.index('id="couples-title"')]
    items = re.findall(r"<li>.*?</li>", section, flags=re.DOTALL)
    return [item for item in items if escape(couple.name) in item]


BAND_WORDS = ("Balanced", "Watch", "Imbalanced", "Severe", 'class="band ')


def shows_no_band(html: str) -> bool:
    return not any(word in html for word in BAND_WORDS)


def test_an_open_urgent_flag_shows_safety_review_in_place_of_the_band_everywhere_on_home(
    library: None,
    couple: Couple,
    assignment: NewAssignment,
    as_counsellor: Client,
    practice: Practice,
    counsellor_membership: Membership,
) -> None:
    urgent_screener(couple, counsellor_membership)
    balanced = compared(assignment)  # the latest result, balanced on its own
    assert balanced.overall_band == "balanced"

    body = home(as_counsellor, practice)

    row = table_row(body, couple)
    assert "Safety review" in row
    assert 'class="pill pill--safety"' in row
    assert shows_no_band(row)
    entries = just_finished(body, couple)
    assert len(entries) == 2
    for entry in entries:
        assert "Safety review" in entry
        assert shows_no_band(entry)
    assert "Safety check-in needed" not in body


def test_an_open_caution_flag_puts_a_marker_beside_the_band(
    library: None,
    couple: Couple,
    assignment: NewAssignment,
    as_counsellor: Client,
    practice: Practice,
    counsellor_membership: Membership,
) -> None:
    set_level(urgent_screener(couple, counsellor_membership), "caution")
    compared(assignment)

    row = table_row(home(as_counsellor, practice), couple)

    assert 'class="band band--balanced">Balanced</span>' in row
    assert "Check-in advised" in row
    assert "Safety review" not in row


def test_once_the_check_ins_are_recorded_the_band_shows_again(
    library: None,
    couple: Couple,
    assignment: NewAssignment,
    as_counsellor: Client,
    practice: Practice,
    counsellor_membership: Membership,
) -> None:
    flagged = urgent_screener(couple, counsellor_membership)
    compared(assignment)
    check_ins_recorded(flagged, counsellor_membership)

    body = home(as_counsellor, practice)

    row = table_row(body, couple)
    assert 'class="band band--balanced">Balanced</span>' in row
    assert "Safety review" not in row
    assert "Check-in advised" not in row
    assert all("Safety review" not in entry for entry in just_finished(body, couple))


def test_a_flag_raised_long_ago_still_shows_safety_review(
    library: None,
    couple: Couple,
    as_counsellor: Client,
    practice: Practice,
    counsellor_membership: Membership,
) -> None:
    finished_days_ago(urgent_screener(couple, counsellor_membership), 40)

    body = home(as_counsellor, practice)

    assert just_finished(body, couple) == []
    row = table_row(body, couple)
    assert "Safety review" in row
    assert shows_no_band(row)


def test_home_counts_the_open_safety_reviews_of_the_caseload(
    library: None,
    couple: Couple,
    as_counsellor: Client,
    practice: Practice,
    counsellor_membership: Membership,
) -> None:
    others = [CoupleFactory.create(practice=practice, counsellors=[counsellor_membership])]
    others.append(CoupleFactory.create(practice=practice, counsellors=[counsellor_membership]))
    urgent_screener(couple, counsellor_membership)
    finished_days_ago(urgent_screener(others[0], counsellor_membership), 90)
    set_level(urgent_screener(others[1], counsellor_membership), "caution")

    body = home(as_counsellor, practice)

    assert re.search(
        r'<span class="stat__value">2</span><span class="stat__label">open safety reviews', body
    )


def test_the_latest_index_names_the_instrument_of_the_same_comparison(
    library: None,
    couple: Couple,
    assignment: NewAssignment,
    as_counsellor: Client,
    practice: Practice,
    counsellor_membership: Membership,
) -> None:
    inventory = compared(assignment, a_holds_the_say, b_agrees_a_holds_the_say)
    row = table_row(home(as_counsellor, practice), couple)
    assert f'<td class="num" data-label="Latest index">{inventory.overall_index}</td>' in row
    assert f'<td data-label="From">{inventory.assignment.instrument_version.title}</td>' in row

    screener = compared(assign(couple, "signs-of-imbalance", counsellor_membership))
    assert screener.overall_index != inventory.overall_index

    row = table_row(home(as_counsellor, practice), couple)
    assert f'<td class="num" data-label="Latest index">{screener.overall_index}</td>' in row
    assert f'<td data-label="From">{screener.assignment.instrument_version.title}</td>' in row
    assert inventory.assignment.instrument_version.title not in row


def test_home_needs_the_same_queries_whatever_the_number_of_flagged_couples(
    library: None,
    couple: Couple,
    as_counsellor: Client,
    practice: Practice,
    counsellor_membership: Membership,
) -> None:
    urgent_screener(couple, counsellor_membership)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_counsellor.get(f"/p/{practice.slug}/").status_code == 200
        return len(captured)

    before = queries()
    for n in range(6):
        more = CoupleFactory.create(practice=practice, counsellors=[counsellor_membership])
        flagged = urgent_screener(more, counsellor_membership)
        if n % 2:
            set_level(flagged, "caution")
        compared(assign(more, "balance-check-in", counsellor_membership))

    assert queries() == before


def test_the_greeting_uses_the_name_as_the_person_gave_it(
    counsellor: User, as_counsellor: Client, practice: Practice
) -> None:
    counsellor.full_name = "Dr Sam Okafor"
    counsellor.save(update_fields=["full_name"])

    body = as_counsellor.get(f"/p/{practice.slug}/").content.decode()

    assert "Welcome, Dr Sam Okafor." in body
    assert counsellor.get_short_name() == "Dr Sam Okafor"
