"""Assigning an instrument, managing partners' links and reopening answers from the couple page."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from assessments.assignments.services import NewAssignment, assignment_create
from assessments.models import Assignment, InstrumentVersion, Response
from assessments.respond.services import (
    response_for_invitation,
    response_save_answers,
    response_submit,
)
from clients.models import Couple, Invitation
from clients.tasks import send_invitation_email
from practice.models import Membership, Practice
from tests.factories import ClientFactory, CoupleFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def couple_url(name: str, couple: Couple, **kwargs: Any) -> str:
    return reverse(
        name,
        kwargs={"practice_slug": couple.practice.slug, "couple_id": couple.public_id, **kwargs},
    )


def invitation_url(name: str, couple: Couple, invitation: Invitation) -> str:
    return couple_url(name, couple, invitation_id=invitation.public_id)


def reopen_url(couple: Couple, assignment: Assignment, partner: str = "a") -> str:
    return couple_url(
        "response-reopen", couple, assignment_id=assignment.public_id, partner=partner
    )


def inventory() -> InstrumentVersion:
    return InstrumentVersion.objects.current().get(instrument__slug="balance-of-power-inventory")


def invitation_of(new: NewAssignment, side: str) -> Invitation:
    with scope(practice=new.assignment.practice):
        return Invitation.objects.select_related("client").get(
            assignment=new.assignment, partner=side
        )


def submit(new: NewAssignment, side: str) -> Response:
    with scope(practice=new.assignment.practice):
        response = response_for_invitation(invitation=invitation_of(new, side))
        answers = {item["id"]: 2 for item in new.assignment.instrument_version.items}
        response = response_save_answers(response=response, revision=0, answers=answers)
        return response_submit(response=response)


def responses(new: NewAssignment, side: str) -> list[Response]:
    with scope(practice=new.assignment.practice):
        return list(
            Response.objects.filter(assignment=new.assignment, partner=side)
            .select_related("reopened_by")
            .order_by("answers_version")
        )


@pytest.fixture
def unassigned_couple(library: None, practice: Practice) -> tuple[Couple, NewAssignment]:
    """A couple of the same practice, with an assignment, that the counsellor does not see."""
    colleague = MembershipFactory.create(practice=practice)
    couple = CoupleFactory.create(
        practice=practice, partner_a__display_name="Unseen", counsellors=[colleague]
    )
    with scope(practice=practice):
        new = assignment_create(couple=couple, instrument_version=inventory(), created_by=colleague)
    submit(new, "a")
    return couple, new


# Assigning ------------------------------------------------------------------------------------


def test_assigning_creates_two_invitations_and_queues_an_email_for_each(
    library: None,
    as_counsellor: Client,
    couple: Couple,
    counsellor_membership: Membership,
    django_capture_on_commit_callbacks: Any,
) -> None:
    due = timezone.localdate() + datetime.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_counsellor.post(
            couple_url("assignment-create", couple),
            {"instrument_version": inventory().pk, "due_date": due.isoformat()},
        )

    assert response.status_code == 302
    assert response["Location"] == couple_url("couple-detail", couple)
    with scope(practice=couple.practice):
        assignment = Assignment.objects.get(couple=couple)
        assert assignment.due_date == due
        assert assignment.created_by == counsellor_membership
        assert sorted(assignment.invitations.values_list("partner", flat=True)) == ["a", "b"]
    assert len(callbacks) == 2
    page = as_counsellor.get(response["Location"]).content.decode()
    assert "Emails are on their way to Sam and Alex." in page
    assert "Link for" not in page


def test_the_queued_job_emails_the_partner_their_link(
    couple: Couple, assignment: NewAssignment
) -> None:
    invitation = invitation_of(assignment, "a")

    send_invitation_email.apply(args=(couple.practice_id, invitation.pk))

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [couple.partner_a.email]
    assert "/i/" in str(mail.outbox[0].body)


def test_admin_who_is_not_assigned_may_assign(
    library: None, as_admin: Client, couple: Couple
) -> None:
    response = as_admin.post(
        couple_url("assignment-create", couple), {"instrument_version": inventory().pk}
    )

    assert response.status_code == 302
    with scope(practice=couple.practice):
        assert Assignment.objects.filter(couple=couple).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Instrument: This field is required."),
        ({"instrument_version": "999999"}, "Select a valid choice."),
        ({"due_date": "2001-01-01"}, "The due date cannot be in the past."),
        ({"due_date": "soon"}, "Enter a valid date."),
    ],
)
def test_invalid_assignment_answers_400_with_inline_errors_and_saves_nothing(
    library: None, as_counsellor: Client, couple: Couple, data: dict[str, Any], message: str
) -> None:
    if "instrument_version" not in data and "due_date" in data:
        data = {**data, "instrument_version": inventory().pk}

    response = as_counsellor.post(couple_url("assignment-create", couple), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert b"Sam &amp; Alex" in response.content
    with scope(practice=couple.practice):
        assert not Assignment.objects.filter(couple=couple).exists()


def test_archived_couple_cannot_be_given_an_instrument(
    library: None, as_counsellor: Client, couple: Couple
) -> None:
    with scope(practice=couple.practice):
        Couple.objects.filter(pk=couple.pk).update(status=Couple.Status.ARCHIVED)

    response = as_counsellor.post(
        couple_url("assignment-create", couple), {"instrument_version": inventory().pk}
    )

    assert response.status_code == 400
    assert b"Reactivate this couple before assigning an instrument." in response.content


# Links ----------------------------------------------------------------------------------------


def test_revoke_stops_the_link(
    as_counsellor: Client, couple: Couple, assignment: NewAssignment
) -> None:
    invitation = invitation_of(assignment, "b")

    response = as_counsellor.post(invitation_url("invitation-revoke", couple, invitation))

    assert response.status_code == 302
    assert invitation_of(assignment, "b").state == Invitation.State.REVOKED
    assert invitation_of(assignment, "a").state == Invitation.State.ACTIVE


def test_reissue_makes_a_revoked_link_work_again_with_a_new_token(
    as_counsellor: Client,
    couple: Couple,
    assignment: NewAssignment,
    django_capture_on_commit_callbacks: Any,
) -> None:
    invitation = invitation_of(assignment, "b")
    as_counsellor.post(invitation_url("invitation-revoke", couple, invitation))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_counsellor.post(invitation_url("invitation-reissue", couple, invitation))

    reissued = invitation_of(assignment, "b")
    assert response.status_code == 302
    assert reissued.state == Invitation.State.ACTIVE
    assert reissued.token_hash != invitation.token_hash
    assert len(callbacks) == 1  # Alex has an email: the new link goes out by email


def test_reissue_for_a_partner_without_email_shows_the_new_link_once(
    library: None, as_counsellor: Client, practice: Practice, counsellor_membership: Membership
) -> None:
    couple = CoupleFactory.create(
        practice=practice,
        partner_a=ClientFactory.create(practice=practice, display_name="Ines", email=""),
        counsellors=[counsellor_membership],
    )
    with scope(practice=practice):
        new = assignment_create(
            couple=couple, instrument_version=inventory(), created_by=counsellor_membership
        )

    response = as_counsellor.post(
        invitation_url("invitation-reissue", couple, invitation_of(new, "a"))
    )
    first = as_counsellor.get(response["Location"]).content.decode()
    second = as_counsellor.get(response["Location"]).content.decode()

    assert "Link for Ines" in first
    assert "Link for Ines" not in second


def test_resend_queues_a_new_email(
    as_counsellor: Client,
    couple: Couple,
    assignment: NewAssignment,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_counsellor.post(
            invitation_url("invitation-resend", couple, invitation_of(assignment, "a"))
        )

    assert response.status_code == 302
    assert len(callbacks) == 1


def test_resend_of_a_revoked_link_answers_400_and_sends_nothing(
    as_counsellor: Client,
    couple: Couple,
    assignment: NewAssignment,
    django_capture_on_commit_callbacks: Any,
) -> None:
    invitation = invitation_of(assignment, "a")
    as_counsellor.post(invitation_url("invitation-revoke", couple, invitation))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_counsellor.post(invitation_url("invitation-resend", couple, invitation))

    assert response.status_code == 400
    assert b"This link is no longer active. Reissue it to send a new one." in response.content
    assert callbacks == []


def test_invitation_of_another_couple_answers_404_under_this_couple(
    as_admin: Client,
    couple: Couple,
    assignment: NewAssignment,
    unassigned_couple: tuple[Couple, NewAssignment],
) -> None:
    foreign = invitation_of(unassigned_couple[1], "b")

    for name in ("invitation-resend", "invitation-revoke", "invitation-reissue"):
        assert as_admin.post(invitation_url(name, couple, foreign)).status_code == 404
    assert invitation_of(unassigned_couple[1], "b").state == Invitation.State.ACTIVE


def test_invitation_actions_need_a_post(
    as_counsellor: Client, couple: Couple, assignment: NewAssignment
) -> None:
    invitation = invitation_of(assignment, "a")

    for name in ("invitation-resend", "invitation-revoke", "invitation-reissue"):
        assert as_counsellor.get(invitation_url(name, couple, invitation)).status_code == 405


# Reopening ------------------------------------------------------------------------------------


def test_reopen_starts_answers_version_2_and_keeps_version_1_unchanged(
    as_counsellor: Client,
    couple: Couple,
    assignment: NewAssignment,
    counsellor_membership: Membership,
) -> None:
    submitted = submit(assignment, "a")

    form = as_counsellor.get(reopen_url(couple, assignment.assignment))
    response = as_counsellor.post(
        reopen_url(couple, assignment.assignment), {"reason": "Sam asked to change a page"}
    )

    versions = responses(assignment, "a")
    assert form.status_code == 200
    assert b"Reason for reopening" in form.content
    assert response.status_code == 302
    assert [r.answers_version for r in versions] == [1, 2]
    first, second = versions
    assert first.submitted_at == submitted.submitted_at
    assert first.answers == submitted.answers
    assert first.updated_at == submitted.updated_at
    assert second.submitted_at is None
    assert second.answers == submitted.answers
    assert second.reopened_by == counsellor_membership
    assert second.reopen_reason == "Sam asked to change a page"
    page = as_counsellor.get(response["Location"]).content.decode()
    assert "In progress — 100%" in page
    assert "Reopened (answers version 2)" in page


def test_reopen_without_a_reason_answers_400_and_changes_nothing(
    as_counsellor: Client, couple: Couple, assignment: NewAssignment
) -> None:
    submit(assignment, "a")

    response = as_counsellor.post(reopen_url(couple, assignment.assignment), {"reason": "  "})

    assert response.status_code == 400
    assert b"Say why the answers are being reopened." in response.content
    assert len(responses(assignment, "a")) == 1


def test_reopen_of_answers_not_yet_submitted_answers_400(
    as_counsellor: Client, couple: Couple, assignment: NewAssignment
) -> None:
    with scope(practice=couple.practice):
        response_for_invitation(invitation=invitation_of(assignment, "a"))

    response = as_counsellor.post(reopen_url(couple, assignment.assignment), {"reason": "Why"})

    assert response.status_code == 400
    assert b"Only submitted answers can be reopened." in response.content
    assert len(responses(assignment, "a")) == 1


def test_reopen_of_a_partner_who_has_not_started_is_404(
    as_counsellor: Client, couple: Couple, assignment: NewAssignment
) -> None:
    assert as_counsellor.get(reopen_url(couple, assignment.assignment, "b")).status_code == 404


def test_reopen_for_an_unknown_partner_letter_is_404(
    as_counsellor: Client, couple: Couple, assignment: NewAssignment
) -> None:
    url = reopen_url(couple, assignment.assignment).replace("/reopen/a/", "/reopen/c/")

    assert as_counsellor.get(url).status_code == 404


def test_admin_who_is_not_assigned_gets_404_on_reopen(
    as_admin: Client, couple: Couple, assignment: NewAssignment
) -> None:
    submit(assignment, "a")

    form = as_admin.get(reopen_url(couple, assignment.assignment))
    post = as_admin.post(reopen_url(couple, assignment.assignment), {"reason": "Admin wants to"})

    assert form.status_code == post.status_code == 404
    assert len(responses(assignment, "a")) == 1


def test_admin_who_also_counsels_the_couple_may_reopen(
    as_admin: Client,
    couple: Couple,
    assignment: NewAssignment,
    admin_membership: Membership,
) -> None:
    with scope(practice=couple.practice):
        Membership.objects.filter(pk=admin_membership.pk).update(is_counsellor=True)
        couple.counsellors.add(admin_membership)
    submit(assignment, "a")

    post = as_admin.post(reopen_url(couple, assignment.assignment), {"reason": "Typo"})

    assert post.status_code == 302
    assert len(responses(assignment, "a")) == 2


def test_assignment_of_another_couple_answers_404_under_this_couple(
    as_admin: Client,
    admin_membership: Membership,
    couple: Couple,
    unassigned_couple: tuple[Couple, NewAssignment],
) -> None:
    with scope(practice=couple.practice):
        Membership.objects.filter(pk=admin_membership.pk).update(is_counsellor=True)
        couple.counsellors.add(admin_membership)

    url = reopen_url(couple, unassigned_couple[1].assignment)

    assert as_admin.post(url, {"reason": "Not theirs"}).status_code == 404
    assert len(responses(unassigned_couple[1], "a")) == 1


# Who may act at all ---------------------------------------------------------------------------


def every_action(couple: Couple, new: NewAssignment) -> list[tuple[str, str]]:
    invitation = invitation_of(new, "a")
    return [
        ("post", couple_url("assignment-create", couple)),
        ("post", invitation_url("invitation-resend", couple, invitation)),
        ("post", invitation_url("invitation-revoke", couple, invitation)),
        ("post", invitation_url("invitation-reissue", couple, invitation)),
        ("get", reopen_url(couple, new.assignment)),
        ("post", reopen_url(couple, new.assignment)),
    ]


def every_page(couple: Couple) -> list[tuple[str, str]]:
    slug = couple.practice.slug
    return [
        ("get", reverse("couple-list", kwargs={"practice_slug": slug})),
        ("get", reverse("couple-create", kwargs={"practice_slug": slug})),
        ("post", reverse("couple-create", kwargs={"practice_slug": slug})),
        ("get", couple_url("couple-detail", couple)),
        ("get", couple_url("couple-edit", couple)),
        ("post", couple_url("couple-edit", couple)),
        ("post", couple_url("couple-archive", couple)),
        ("post", couple_url("couple-reactivate", couple)),
    ]


def action_data(new: NewAssignment) -> dict[str, Any]:
    return {"instrument_version": new.assignment.instrument_version_id, "reason": "Because"}


def test_unassigned_counsellor_gets_404_on_every_action_and_nothing_changes(
    as_counsellor: Client, unassigned_couple: tuple[Couple, NewAssignment]
) -> None:
    couple, new = unassigned_couple
    before = invitation_of(new, "a")

    for method, url in every_action(couple, new):
        response = getattr(as_counsellor, method)(url, action_data(new))
        assert response.status_code == 404, url
        assert b"Unseen" not in response.content

    after = invitation_of(new, "a")
    assert (after.token_hash, after.revoked_at) == (before.token_hash, before.revoked_at)
    assert len(responses(new, "a")) == 1
    with scope(practice=couple.practice):
        assert Assignment.objects.filter(couple=couple).count() == 1


def test_outsider_gets_404_on_every_action_and_nothing_changes(
    as_outsider: Client, couple: Couple, assignment: NewAssignment
) -> None:
    submit(assignment, "a")
    before = invitation_of(assignment, "a")

    for method, url in every_action(couple, assignment):
        response = getattr(as_outsider, method)(url, action_data(assignment))
        assert response.status_code == 404, url
        assert b"Sam" not in response.content

    after = invitation_of(assignment, "a")
    assert (after.token_hash, after.revoked_at) == (before.token_hash, before.revoked_at)
    assert len(responses(assignment, "a")) == 1


def test_anonymous_visitor_is_sent_to_login_from_every_page_and_action(
    anonymous: Client, couple: Couple, assignment: NewAssignment
) -> None:
    for method, url in every_page(couple) + every_action(couple, assignment):
        response = getattr(anonymous, method)(url, action_data(assignment))
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    with scope(practice=couple.practice):
        assert Assignment.objects.filter(couple=couple).count() == 1
        assert Couple.objects.get(pk=couple.pk).status == Couple.Status.ACTIVE


def test_a_random_couple_id_answers_404_on_every_action(
    as_admin: Client, couple: Couple, assignment: NewAssignment
) -> None:
    ghost = Couple(practice=couple.practice, public_id=uuid.uuid4())

    for method, url in every_action(couple, assignment):
        ghost_url = url.replace(str(couple.public_id), str(ghost.public_id))
        assert getattr(as_admin, method)(ghost_url, action_data(assignment)).status_code == 404


def test_couple_page_costs_the_same_queries_for_1_and_4_assignments(
    as_counsellor: Client,
    couple: Couple,
    assignment: NewAssignment,
    counsellor_membership: Membership,
) -> None:
    submit(assignment, "a")
    url = couple_url("couple-detail", couple)
    as_counsellor.get(url)
    with CaptureQueriesContext(connection) as one:
        as_counsellor.get(url)
    with scope(practice=couple.practice):
        for _ in range(3):
            new = assignment_create(
                couple=couple, instrument_version=inventory(), created_by=counsellor_membership
            )
            submit(new, "b")

    with CaptureQueriesContext(connection) as four:
        page = as_counsellor.get(url)

    assert page.content.decode().count("Reissue link") == 8
    assert len(four) == len(one)
