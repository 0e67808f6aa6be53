"""The caseload: who sees which couples, search, status filter, pages, and its query count."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from assessments.assignments.services import assignment_create, response_reopen
from assessments.models import Assignment, InstrumentVersion
from assessments.respond.services import (
    response_for_invitation,
    response_save_answers,
    response_submit,
)
from clients.models import Couple, Invitation
from practice.models import Membership, Practice
from tests.factories import CoupleFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def caseload_url(practice: Practice, **params: Any) -> str:
    base = reverse("couple-list", kwargs={"practice_slug": practice.slug})
    return f"{base}?{urlencode(params)}" if params else base


@pytest.fixture
def colleagues_couple(practice: Practice) -> Couple:
    """A couple of the same practice that another counsellor looks after."""
    colleague = MembershipFactory.create(practice=practice, user__full_name="Dee Colleague")
    return CoupleFactory.create(
        practice=practice,
        partner_a__display_name="Harper",
        partner_b__display_name="Rowan",
        counsellors=[colleague],
    )


def make_couples(practice: Practice, member: Membership, count: int, **kwargs: Any) -> None:
    for n in range(count):
        CoupleFactory.create(
            practice=practice,
            partner_a__display_name=f"Partner{n:02d}-A",
            partner_b__display_name=f"Partner{n:02d}-B",
            counsellors=[member],
            **kwargs,
        )


def give_everyone_an_assignment(practice: Practice, member: Membership) -> None:
    """Each couple gets two assignments (the newer is shown) and some progress on it."""
    version = InstrumentVersion.objects.current().get(instrument__slug="balance-check-in")
    with scope(practice=practice):
        for n, couple in enumerate(Couple.objects.filter(practice=practice)):
            if Assignment.objects.filter(couple=couple).exists():
                continue
            assignment_create(couple=couple, instrument_version=version, created_by=member)
            latest = assignment_create(
                couple=couple, instrument_version=version, created_by=member
            ).assignment
            if n % 2:
                invitation = Invitation.objects.get(assignment=latest, partner="a")
                response = response_for_invitation(invitation=invitation)
                answers = {item["id"]: 3 for item in version.items}
                response = response_save_answers(response=response, revision=0, answers=answers)
                response = response_submit(response=response)
                response_reopen(response=response, by=member, reason="Asked to change one")


def test_counsellor_sees_only_their_own_couples(
    as_counsellor: Client, practice: Practice, couple: Couple, colleagues_couple: Couple
) -> None:
    page = as_counsellor.get(caseload_url(practice))

    assert page.status_code == 200
    assert b"Sam &amp; Alex" in page.content
    assert b"Cleo Counsellor" in page.content
    assert b"Harper" not in page.content


def test_admin_sees_every_couple_of_the_practice_and_no_other(
    as_admin: Client,
    practice: Practice,
    couple: Couple,
    colleagues_couple: Couple,
    other_couple: Couple,
) -> None:
    page = as_admin.get(caseload_url(practice))

    assert page.status_code == 200
    assert b"Sam &amp; Alex" in page.content
    assert b"Harper &amp; Rowan" in page.content
    assert b"Canary" not in page.content


def test_search_by_partner_name_finds_either_partner(
    as_admin: Client, practice: Practice, couple: Couple, colleagues_couple: Couple
) -> None:
    by_a = as_admin.get(caseload_url(practice, q="harp")).content
    by_b = as_admin.get(caseload_url(practice, q="ALEX")).content

    assert b"Harper &amp; Rowan" in by_a
    assert b"Sam &amp; Alex" not in by_a
    assert b"Sam &amp; Alex" in by_b
    assert b"Harper &amp; Rowan" not in by_b


def test_search_without_matches_says_so(
    as_counsellor: Client, practice: Practice, couple: Couple
) -> None:
    page = as_counsellor.get(caseload_url(practice, q="Nobody"))

    assert page.status_code == 200
    assert "No active couples match “Nobody”.".encode() in page.content


def test_archived_couples_show_only_under_the_archived_filter(
    as_counsellor: Client,
    practice: Practice,
    couple: Couple,
    counsellor_membership: Membership,
) -> None:
    CoupleFactory.create(
        practice=practice,
        partner_a__display_name="Former",
        status=Couple.Status.ARCHIVED,
        counsellors=[counsellor_membership],
    )

    active = as_counsellor.get(caseload_url(practice)).content
    archived = as_counsellor.get(caseload_url(practice, status="archived")).content

    assert b"Sam &amp; Alex" in active
    assert b"Former" not in active
    assert b"Former" in archived
    assert b"Sam &amp; Alex" not in archived


def test_an_unknown_status_filter_falls_back_to_active(
    as_counsellor: Client, practice: Practice, couple: Couple
) -> None:
    page = as_counsellor.get(caseload_url(practice, status="everything"))

    assert page.status_code == 200
    assert b"Sam &amp; Alex" in page.content


def test_caseload_shows_25_couples_a_page_with_a_pager(
    as_counsellor: Client, practice: Practice, counsellor_membership: Membership
) -> None:
    make_couples(practice, counsellor_membership, 27)

    first = as_counsellor.get(caseload_url(practice)).content.decode()
    second = as_counsellor.get(caseload_url(practice, page=2)).content.decode()
    beyond = as_counsellor.get(caseload_url(practice, page=99))

    assert first.count('<th scope="row">') == 25
    assert "Page 1 of 2" in first
    assert 'rel="next"' in first
    assert second.count('<th scope="row">') == 2
    assert 'rel="prev"' in second
    assert beyond.status_code == 200
    assert "Page 2 of 2" in beyond.content.decode()


def test_latest_assignment_summary_and_overdue_pill(
    as_counsellor: Client, practice: Practice, couple: Couple, assignment: Any
) -> None:
    with scope(practice=practice):
        Assignment.objects.filter(pk=assignment.assignment.pk).update(
            due_date=datetime.date(2020, 1, 1)
        )

    html = as_counsellor.get(caseload_url(practice)).content.decode()

    assert "Balance of Power Inventory" in html
    assert "0 of 2 submitted" in html
    assert "Overdue" in html


def test_couple_without_assignment_says_so(
    as_counsellor: Client, practice: Practice, couple: Couple
) -> None:
    html = as_counsellor.get(caseload_url(practice)).content.decode()

    assert "No assignment yet" in html
    assert "Overdue" not in html


def test_empty_caseload_invites_adding_the_first_couple(
    as_counsellor: Client, practice: Practice
) -> None:
    html = as_counsellor.get(caseload_url(practice)).content.decode()

    assert "No couples yet — add your first couple." in html
    assert reverse("couple-create", kwargs={"practice_slug": practice.slug}) in html


def test_caseload_costs_the_same_queries_for_3_and_30_couples(
    library: None,
    as_counsellor: Client,
    practice: Practice,
    counsellor_membership: Membership,
    django_assert_max_num_queries: Any,
) -> None:
    colleague = MembershipFactory.create(practice=practice)
    make_couples(practice, counsellor_membership, 3)
    give_everyone_an_assignment(practice, counsellor_membership)
    as_counsellor.get(caseload_url(practice))  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        assert as_counsellor.get(caseload_url(practice)).status_code == 200

    for n in range(27):
        CoupleFactory.create(
            practice=practice,
            partner_a__display_name=f"More{n}",
            counsellors=[counsellor_membership, colleague],
        )
    give_everyone_an_assignment(practice, counsellor_membership)
    with django_assert_max_num_queries(len(small)), CaptureQueriesContext(connection) as large:
        page = as_counsellor.get(caseload_url(practice))

    assert page.status_code == 200
    assert page.content.decode().count('<th scope="row">') == 25
    assert len(large) == len(small)


def test_outsider_gets_404_on_the_caseload(
    as_outsider: Client, practice: Practice, couple: Couple
) -> None:
    page = as_outsider.get(caseload_url(practice))

    assert page.status_code == 404
    assert b"Sam" not in page.content


def test_anonymous_visitor_is_sent_to_login(anonymous: Client, practice: Practice) -> None:
    page = anonymous.get(caseload_url(practice))

    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))


def test_a_malformed_page_number_shows_the_first_page(
    as_counsellor: Client, practice: Practice, counsellor_membership: Membership
) -> None:
    make_couples(practice, counsellor_membership, 27)

    for page in ("x", "0", "-3"):
        html = as_counsellor.get(caseload_url(practice, page=page)).content.decode()
        assert html.count('<th scope="row">') == 25
        assert "Page 1 of 2" in html
        assert "27 active couples" in html


def test_the_caseload_reads_its_page_in_five_queries_whatever_its_size(
    library: None, practice: Practice, counsellor_membership: Membership
) -> None:
    """The page with its total, the counsellors, the latest assignments, their links and their
    answers; the rest of a request is the signed-in floor (session, user, practice, membership,
    navigation)."""
    from assessments.caseload.selectors import couple_list, couple_rows, one_page

    def queries() -> int:
        with scope(practice=practice), CaptureQueriesContext(connection) as captured:
            couples = couple_list(practice=practice, member=counsellor_membership)
            page = one_page(couples, "1", 25)
            rows = couple_rows(couples=page.object_list)
            assert [row.latest.summary for row in rows if row.latest]
            assert page.paginator.count == Couple.objects.filter(practice=practice).count()
        return len(captured) - 1  # the check of the total above

    make_couples(practice, counsellor_membership, 3)
    give_everyone_an_assignment(practice, counsellor_membership)
    small = queries()
    make_couples(practice, counsellor_membership, 40)
    give_everyone_an_assignment(practice, counsellor_membership)

    assert queries() == small <= 5
