"""The couple page, adding and editing a couple, archiving: who may do what, and what shows."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from assessments.assignments.services import NewAssignment
from assessments.comparisons import services as comparisons
from assessments.models import Comparison, InstrumentVersion, Response
from assessments.respond.services import (
    response_for_invitation,
    response_save_answers,
    response_submit,
)
from clients.models import Couple, Invitation
from clients.services import invitation_report_wrong_person
from practice.models import Membership, Practice
from tests.factories import ClientFactory, CoupleFactory, MembershipFactory
from tests.support.answering import submit
from tests.support.comparing import compared
from tests.support.flags import check_ins_recorded, finished_days_ago, set_level, urgent_screener

pytestmark = pytest.mark.django_db


def url(name: str, practice: Practice, **kwargs: Any) -> str:
    return reverse(name, kwargs={"practice_slug": practice.slug, **kwargs})


def couple_url(name: str, couple: Couple, **kwargs: Any) -> str:
    return url(name, couple.practice, couple_id=couple.public_id, **kwargs)


def partner_form(**overrides: Any) -> dict[str, Any]:
    return {
        "a_display_name": "Morgan",
        "a_email": "morgan@clients.example",
        "a_pronouns": "they/them",
        "b_display_name": "Avery",
        "b_email": "",
        "b_pronouns": "",
        **overrides,
    }


@pytest.fixture
def second_counsellor(practice: Practice) -> Membership:
    return MembershipFactory.create(practice=practice, user__full_name="Dee Second")


@pytest.fixture
def unassigned_couple(practice: Practice, second_counsellor: Membership) -> Couple:
    return CoupleFactory.create(
        practice=practice,
        partner_a__display_name="Unseen-Jo",
        partner_b__display_name="Unseen-Lee",
        counsellors=[second_counsellor],
    )


def submit_everything(new: NewAssignment, side: str) -> Response:
    with scope(practice=new.assignment.practice):
        invitation = Invitation.objects.get(assignment=new.assignment, partner=side)
        response = response_for_invitation(invitation=invitation)
        answers = {item["id"]: 4 for item in new.assignment.instrument_version.items}
        response = response_save_answers(response=response, revision=0, answers=answers)
        return response_submit(response=response)


# The couple page ------------------------------------------------------------------------------


def test_assigned_counsellor_sees_partners_counsellors_and_each_partners_progress(
    as_counsellor: Client, couple: Couple, assignment: NewAssignment
) -> None:
    submit_everything(assignment, "a")

    page = as_counsellor.get(couple_url("couple-detail", couple))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Sam &amp; Alex" in html
    assert couple.partner_a.email in html
    assert "Cleo Counsellor" in html
    assert "Balance of Power Inventory" in html
    assert "Submitted " in html
    assert "Not opened" in html
    assert "1 of 2 submitted" in html
    assert "Reopen answers" in html


def test_couple_page_never_contains_answers_or_question_texts(
    as_counsellor: Client, couple: Couple, assignment: NewAssignment
) -> None:
    submit_everything(assignment, "a")
    submit_everything(assignment, "b")

    html = as_counsellor.get(couple_url("couple-detail", couple)).content.decode()

    for item in assignment.assignment.instrument_version.items:
        assert item["text"] not in html
        assert item["id"] not in html


def test_progress_shows_opened_and_in_progress_percentages(
    as_counsellor: Client, couple: Couple, assignment: NewAssignment
) -> None:
    version = assignment.assignment.instrument_version
    with scope(practice=couple.practice):
        a = Invitation.objects.get(assignment=assignment.assignment, partner="a")
        response = response_for_invitation(invitation=a)
        half = {item["id"]: 3 for item in version.items[: version.item_count // 2]}
        response_save_answers(response=response, revision=0, answers=half)
        Invitation.objects.filter(assignment=assignment.assignment, partner="b").update(
            opened_at="2025-01-01T10:00:00Z"
        )

    html = as_counsellor.get(couple_url("couple-detail", couple)).content.decode()

    percent = version.item_count // 2 * 100 // version.item_count
    assert f"In progress — {percent}%" in html
    assert "Opened" in html


def test_admin_who_is_not_assigned_sees_statuses_but_cannot_reopen(
    as_admin: Client, couple: Couple, assignment: NewAssignment
) -> None:
    submit_everything(assignment, "a")

    page = as_admin.get(couple_url("couple-detail", couple))

    assert page.status_code == 200
    assert b"Sam &amp; Alex" in page.content
    assert b"Submitted " in page.content
    assert b"Reopen answers" not in page.content
    assert b"Assign an instrument" in page.content


# Results and the safety status on the couple page --------------------------------------------


def assignment_card(page: str, new: NewAssignment) -> str:
    start = page.index(f'id="assignment-{new.assignment.public_id}"')
    return page[start : page.index("</article>", start)]


BAND_WORDS = ("Balanced", "Watch", "Imbalanced", "Severe", 'class="band ')


def test_an_open_urgent_flag_shows_safety_review_in_place_of_every_band_on_the_couple_page(
    as_counsellor: Client,
    couple: Couple,
    assignment: NewAssignment,
    counsellor_membership: Membership,
) -> None:
    flagged = urgent_screener(couple, counsellor_membership)
    inventory = compared(assignment)
    assert inventory.overall_band == "balanced"

    page = as_counsellor.get(couple_url("couple-detail", couple)).content.decode()

    heading = page[page.index("<h1>") : page.index("</h1>")]
    assert 'class="pill pill--safety">Safety review</span>' in heading
    banner = page[page.index('id="open-flags-title"') : page.index("</aside>")]
    report = url("assignment-report", couple.practice, assignment_id=flagged.assignment.public_id)
    assert f'href="{report}"' in banner
    assert "Urgent flag" in banner
    card = assignment_card(page, assignment)
    assert f"<strong>{inventory.overall_index}</strong>" in card
    assert "Safety review" in card
    assert not any(word in card for word in BAND_WORDS)
    assert not any(word in page for word in BAND_WORDS)


def test_an_open_caution_flag_puts_a_marker_beside_the_band_on_the_couple_page(
    as_counsellor: Client,
    couple: Couple,
    assignment: NewAssignment,
    counsellor_membership: Membership,
) -> None:
    set_level(urgent_screener(couple, counsellor_membership), "caution")
    compared(assignment)

    page = as_counsellor.get(couple_url("couple-detail", couple)).content.decode()

    card = assignment_card(page, assignment)
    assert 'class="band band--balanced">Balanced</span>' in card
    assert "Check-in advised" in card
    assert "Safety review" not in page
    assert "Caution flag" in page


def test_after_the_check_ins_the_couple_page_shows_bands_and_no_safety_status(
    as_counsellor: Client,
    couple: Couple,
    assignment: NewAssignment,
    counsellor_membership: Membership,
) -> None:
    flagged = urgent_screener(couple, counsellor_membership)
    compared(assignment)
    check_ins_recorded(flagged, counsellor_membership)

    page = as_counsellor.get(couple_url("couple-detail", couple)).content.decode()

    assert 'class="band band--balanced">Balanced</span>' in assignment_card(page, assignment)
    assert "Safety review" not in page
    assert "Check-in advised" not in page
    assert 'id="open-flags-title"' not in page


def test_a_flag_raised_long_ago_still_shows_on_the_couple_page(
    as_counsellor: Client, library: None, couple: Couple, counsellor_membership: Membership
) -> None:
    finished_days_ago(urgent_screener(couple, counsellor_membership), 35)

    page = as_counsellor.get(couple_url("couple-detail", couple)).content.decode()

    assert 'class="pill pill--safety">Safety review</span>' in page


def test_an_admin_who_does_not_counsel_the_couple_sees_no_result_and_no_safety_status(
    as_admin: Client,
    couple: Couple,
    assignment: NewAssignment,
    counsellor_membership: Membership,
) -> None:
    urgent_screener(couple, counsellor_membership)
    compared(assignment)

    page = as_admin.get(couple_url("couple-detail", couple)).content.decode()

    assert "Open the report" not in page
    assert "Comparison:" not in page
    assert "Safety" not in page
    assert not any(word in page for word in BAND_WORDS)


def submitted_by_both(new: NewAssignment) -> Comparison:
    submit(new.assignment, "a")
    submit(new.assignment, "b")
    with scope(practice=new.assignment.practice):
        return Comparison.objects.get(assignment=new.assignment)


def test_a_queued_then_running_comparison_shows_its_state_and_is_polled(
    as_counsellor: Client, couple: Couple, assignment: NewAssignment
) -> None:
    comparison = submitted_by_both(assignment)
    status_url = reverse(
        "comparison-status",
        kwargs={
            "practice_slug": couple.practice.slug,
            "assignment_id": assignment.assignment.public_id,
        },
    )

    card = assignment_card(
        as_counsellor.get(couple_url("couple-detail", couple)).content.decode(), assignment
    )
    assert "Queued" in card
    assert f'data-status-url="{status_url}"' in card
    assert "reload" in card  # what to do without JavaScript
    assert "Open the report" not in card
    assert as_counsellor.get(status_url).json() == {"status": "pending"}

    with scope(practice=couple.practice):
        comparisons.comparison_start_attempt(comparison_id=comparison.pk)
    card = assignment_card(
        as_counsellor.get(couple_url("couple-detail", couple)).content.decode(), assignment
    )
    assert "Running" in card
    assert as_counsellor.get(status_url).json() == {"status": "running"}


def test_a_done_comparison_links_to_its_report_with_the_band_and_date(
    as_counsellor: Client, couple: Couple, assignment: NewAssignment
) -> None:
    done = compared(assignment)

    card = assignment_card(
        as_counsellor.get(couple_url("couple-detail", couple)).content.decode(), assignment
    )

    report = reverse(
        "assignment-report",
        kwargs={
            "practice_slug": couple.practice.slug,
            "assignment_id": assignment.assignment.public_id,
        },
    )
    assert f'href="{report}"' in card
    assert f"compared {done.finished_at:%-d %b %Y}" in card
    assert f"<strong>{done.overall_index}</strong>" in card
    assert "data-status-url" not in card
    assert "Retry" not in card


def test_a_failed_comparison_shows_its_reason_and_a_retry_that_comes_back_to_the_couple(
    as_counsellor: Client, couple: Couple, assignment: NewAssignment
) -> None:
    comparison = submitted_by_both(assignment)
    with scope(practice=couple.practice):
        comparisons.comparison_start_attempt(comparison_id=comparison.pk)
        comparisons.comparison_record_error(
            comparison_id=comparison.pk, error="The database did not answer in time.", final=True
        )
    couple_page = couple_url("couple-detail", couple)

    card = assignment_card(as_counsellor.get(couple_page).content.decode(), assignment)
    assert "Failed" in card
    assert "Reason: The database did not answer in time." in card
    assert "Retry the comparison" in card

    retry = reverse(
        "comparison-retry",
        kwargs={
            "practice_slug": couple.practice.slug,
            "assignment_id": assignment.assignment.public_id,
        },
    )
    reply = as_counsellor.post(retry, {"next": couple_page})
    assert reply.status_code == 302
    assert reply["Location"] == couple_page
    with scope(practice=couple.practice):
        comparison.refresh_from_db()
    assert comparison.status == Comparison.Status.PENDING
    card = assignment_card(as_counsellor.get(couple_page).content.decode(), assignment)
    assert "Queued" in card


def test_a_retry_never_sends_the_counsellor_to_another_site(
    as_counsellor: Client, couple: Couple, assignment: NewAssignment
) -> None:
    comparison = submitted_by_both(assignment)
    with scope(practice=couple.practice):
        comparisons.comparison_start_attempt(comparison_id=comparison.pk)
        comparisons.comparison_record_error(comparison_id=comparison.pk, error="x", final=True)
    retry = reverse(
        "comparison-retry",
        kwargs={
            "practice_slug": couple.practice.slug,
            "assignment_id": assignment.assignment.public_id,
        },
    )

    reply = as_counsellor.post(retry, {"next": "https://elsewhere.example/"})

    assert reply.status_code == 302
    assert reply["Location"].endswith(f"/assignments/{assignment.assignment.public_id}/report/")


def test_the_couple_page_needs_the_same_queries_whatever_the_number_of_results_and_flags(
    as_counsellor: Client,
    couple: Couple,
    assignment: NewAssignment,
    counsellor_membership: Membership,
) -> None:
    compared(assignment)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_counsellor.get(couple_url("couple-detail", couple)).status_code == 200
        return len(captured)

    before = queries()
    for n in range(4):
        flagged = urgent_screener(couple, counsellor_membership)
        if n % 2:
            set_level(flagged, "caution")

    assert queries() == before


def test_unassigned_counsellor_gets_404_on_the_couple_page(
    as_counsellor: Client, unassigned_couple: Couple
) -> None:
    page = as_counsellor.get(couple_url("couple-detail", unassigned_couple))

    assert page.status_code == 404
    assert b"Unseen-Jo" not in page.content


def test_another_practices_couple_answers_404_like_a_missing_one(
    as_counsellor: Client, practice: Practice, other_couple: Couple
) -> None:
    foreign = as_counsellor.get(url("couple-detail", practice, couple_id=other_couple.public_id))
    missing = as_counsellor.get(url("couple-detail", practice, couple_id=uuid.uuid4()))

    assert foreign.status_code == missing.status_code == 404
    assert b"Canary" not in foreign.content


def test_outsider_gets_404_on_the_couple_page(as_outsider: Client, couple: Couple) -> None:
    page = as_outsider.get(couple_url("couple-detail", couple))

    assert page.status_code == 404
    assert b"Sam" not in page.content


def test_a_wrong_person_report_shows_a_callout(
    as_counsellor: Client, couple: Couple, assignment: NewAssignment
) -> None:
    with scope(practice=couple.practice):
        invitation = Invitation.objects.get(assignment=assignment.assignment, partner="b")
        invitation_report_wrong_person(invitation=invitation)

    html = as_counsellor.get(couple_url("couple-detail", couple)).content.decode()

    assert (
        "Alex's link was reported as reaching the wrong person. Check the email address "
        "and reissue." in html
    )
    assert "Reported as wrong person" in html


def test_links_for_partners_without_email_are_shown_once(
    library: None, as_counsellor: Client, practice: Practice, counsellor_membership: Membership
) -> None:
    couple = CoupleFactory.create(
        practice=practice,
        partner_a=ClientFactory.create(practice=practice, display_name="Ines", email=""),
        partner_b__display_name="Bo",
        counsellors=[counsellor_membership],
    )
    version = InstrumentVersion.objects.current().get(instrument__slug="balance-check-in")

    assigned = as_counsellor.post(
        couple_url("assignment-create", couple), {"instrument_version": version.pk}
    )
    first = as_counsellor.get(assigned["Location"]).content.decode()
    second = as_counsellor.get(assigned["Location"]).content.decode()

    assert "Link for Ines" in first
    assert "Copy it now: for privacy it cannot be shown again; reissue to get a new one" in first
    assert "/i/" in first
    assert "Link for Bo" not in first
    assert "Link for Ines" not in second
    assert "/i/" not in second


# Adding a couple ------------------------------------------------------------------------------


def test_counsellor_adds_a_couple_and_stays_its_counsellor(
    as_counsellor: Client,
    practice: Practice,
    counsellor_membership: Membership,
    second_counsellor: Membership,
) -> None:
    # They pick only a colleague; they are still added, as the counsellor who took the couple on.
    response = as_counsellor.post(
        url("couple-create", practice),
        partner_form(counsellors=[str(second_counsellor.public_id)]),
    )

    assert response.status_code == 302
    with scope(practice=practice):
        couple = Couple.objects.get(partner_a__display_name="Morgan")
        assert set(couple.counsellors.all()) == {counsellor_membership, second_counsellor}
        assert couple.partner_a.email == "morgan@clients.example"
        assert couple.partner_a.pronouns == "they/them"
        assert couple.partner_b.email == ""
    assert response["Location"] == couple_url("couple-detail", couple)


def test_new_couple_form_ticks_the_counsellor_themselves(
    as_counsellor: Client, practice: Practice, counsellor_membership: Membership
) -> None:
    html = as_counsellor.get(url("couple-create", practice)).content.decode()

    assert f'value="{counsellor_membership.public_id}"' in html
    assert "checked" in html


def test_admin_adds_a_couple_for_a_chosen_counsellor(
    as_admin: Client, practice: Practice, counsellor_membership: Membership
) -> None:
    response = as_admin.post(
        url("couple-create", practice),
        partner_form(counsellors=[str(counsellor_membership.public_id)]),
    )

    assert response.status_code == 302
    with scope(practice=practice):
        couple = Couple.objects.get(partner_a__display_name="Morgan")
        assert list(couple.counsellors.all()) == [counsellor_membership]


def test_missing_partner_name_answers_400_with_inline_errors_and_saves_nothing(
    as_counsellor: Client, practice: Practice
) -> None:
    response = as_counsellor.post(
        url("couple-create", practice), partner_form(a_display_name="", b_email="not-an-email")
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Please fix 2 problems" in html
    assert "Partner A&#x27;s name: This field is required." in html
    assert "Enter a valid email address." in html
    with scope(practice=practice):
        assert not Couple.objects.exists()


def test_a_counsellor_of_another_practice_is_not_a_valid_choice(
    as_admin: Client, practice: Practice, outsider_membership: Membership
) -> None:
    response = as_admin.post(
        url("couple-create", practice),
        partner_form(counsellors=[str(outsider_membership.public_id)]),
    )

    assert response.status_code == 400
    assert b"not one of the available choices" in response.content
    assert b"Otto Outsider" not in response.content
    with scope(practice=practice), scopes_disabled():
        assert not Couple.objects.exists()


def test_admin_must_choose_at_least_one_counsellor(as_admin: Client, practice: Practice) -> None:
    response = as_admin.post(url("couple-create", practice), partner_form())

    assert response.status_code == 400
    assert b"Choose at least one counsellor." in response.content


# Editing, archiving ---------------------------------------------------------------------------


def test_assigned_counsellor_edits_partners_but_not_counsellors(
    as_counsellor: Client,
    couple: Couple,
    counsellor_membership: Membership,
    second_counsellor: Membership,
) -> None:
    form_page = as_counsellor.get(couple_url("couple-edit", couple))
    response = as_counsellor.post(
        couple_url("couple-edit", couple),
        partner_form(a_display_name="Samira", counsellors=[str(second_counsellor.public_id)]),
    )

    assert form_page.status_code == 200
    assert b'name="counsellors"' not in form_page.content
    assert b'value="Sam"' in form_page.content
    assert response.status_code == 302
    with scope(practice=couple.practice):
        couple.refresh_from_db()
        assert couple.partner_a.display_name == "Samira"
        assert list(couple.counsellors.all()) == [counsellor_membership]


def test_admin_changes_the_counsellors_of_a_couple(
    as_admin: Client, couple: Couple, second_counsellor: Membership
) -> None:
    response = as_admin.post(
        couple_url("couple-edit", couple),
        partner_form(counsellors=[str(second_counsellor.public_id)]),
    )

    assert response.status_code == 302
    with scope(practice=couple.practice):
        assert list(couple.counsellors.all()) == [second_counsellor]


def test_edit_with_a_blank_name_answers_400_and_changes_nothing(
    as_counsellor: Client, couple: Couple
) -> None:
    response = as_counsellor.post(
        couple_url("couple-edit", couple), partner_form(b_display_name="")
    )

    assert response.status_code == 400
    assert b"Partner B&#x27;s name: This field is required." in response.content
    with scope(practice=couple.practice):
        couple.refresh_from_db()
        assert couple.partner_a.display_name == "Sam"


def test_archive_then_reactivate(as_counsellor: Client, couple: Couple) -> None:
    archived = as_counsellor.post(couple_url("couple-archive", couple))
    with scope(practice=couple.practice):
        couple.refresh_from_db()
        status_after_archive = couple.status
    page = as_counsellor.get(couple_url("couple-detail", couple))
    reactivated = as_counsellor.post(couple_url("couple-reactivate", couple))
    with scope(practice=couple.practice):
        couple.refresh_from_db()

    assert archived.status_code == reactivated.status_code == 302
    assert status_after_archive == Couple.Status.ARCHIVED
    assert b"Reactivate them to assign an instrument" in page.content
    assert couple.status == Couple.Status.ACTIVE


def test_archive_needs_a_post(as_counsellor: Client, couple: Couple) -> None:
    assert as_counsellor.get(couple_url("couple-archive", couple)).status_code == 405


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("couple-edit", "get"),
        ("couple-edit", "post"),
        ("couple-archive", "post"),
        ("couple-reactivate", "post"),
    ],
)
def test_unassigned_counsellor_gets_404_on_edit_and_archive(
    name: str, method: str, as_counsellor: Client, unassigned_couple: Couple
) -> None:
    response = getattr(as_counsellor, method)(couple_url(name, unassigned_couple), partner_form())

    assert response.status_code == 404
    with scope(practice=unassigned_couple.practice):
        unassigned_couple.refresh_from_db()
        assert unassigned_couple.partner_a.display_name == "Unseen-Jo"
        assert unassigned_couple.status == Couple.Status.ACTIVE


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("couple-detail", "get"),
        ("couple-edit", "get"),
        ("couple-edit", "post"),
        ("couple-archive", "post"),
        ("couple-reactivate", "post"),
    ],
)
def test_outsider_gets_404_on_every_couple_page_and_action(
    name: str, method: str, as_outsider: Client, couple: Couple
) -> None:
    response = getattr(as_outsider, method)(couple_url(name, couple), partner_form())

    assert response.status_code == 404
    with scope(practice=couple.practice):
        couple.refresh_from_db()
        assert couple.status == Couple.Status.ACTIVE
        assert couple.partner_a.display_name == "Sam"


def test_outsider_gets_404_on_the_new_couple_page(as_outsider: Client, practice: Practice) -> None:
    assert as_outsider.get(url("couple-create", practice)).status_code == 404
    assert as_outsider.post(url("couple-create", practice), partner_form()).status_code == 404


def test_member_without_a_role_may_not_add_couples(practice: Practice) -> None:
    member = MembershipFactory.create(practice=practice, is_admin=False, is_counsellor=False)
    web = Client()
    web.force_login(member.user)

    assert web.get(url("couple-create", practice)).status_code == 403
    assert web.post(url("couple-create", practice), partner_form()).status_code == 403
    with scope(practice=practice):
        assert not Couple.objects.exists()
