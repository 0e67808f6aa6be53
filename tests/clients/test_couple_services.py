"""Services and selectors behind the couple pages, tested without going through a request."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from assessments.assignments.selectors import Stage, assignment_progress, assignments_with_progress
from assessments.assignments.services import NewAssignment, assignment_create, response_reopen
from assessments.caseload.selectors import couple_list, couple_page, couple_rows
from assessments.models import Assignment, InstrumentVersion
from assessments.respond.services import (
    response_for_invitation,
    response_save_answers,
    response_submit,
)
from clients.models import Couple, Invitation
from clients.services import (
    PartnerDetails,
    couple_create,
    couple_set_status,
    couple_update,
    invitation_reissue,
    invitation_revoke,
    invitation_send,
)
from practice.models import Membership, Practice
from tests.factories import CoupleFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def progress_of(new: NewAssignment) -> tuple[str, str]:
    with scope(practice=new.assignment.practice):
        assignment = assignments_with_progress().get(pk=new.assignment.pk)
        couple = Couple.objects.select_related("partner_a", "partner_b").get(
            pk=assignment.couple_id
        )
        partners = assignment_progress(assignment=assignment, couple=couple).partners
    return partners[0].stage, partners[1].stage


def invitation_of(new: NewAssignment, side: str) -> Invitation:
    return Invitation.objects.select_related("client", "practice").get(
        assignment=new.assignment, partner=side
    )


def test_couple_create_keeps_both_partners_and_counsellors_in_the_practice(
    practice: Practice, counsellor_membership: Membership
) -> None:
    with scope(practice=practice):
        couple = couple_create(
            practice=practice,
            partner_a=PartnerDetails("Lou", "lou@clients.example", "she/her"),
            partner_b=PartnerDetails("Kit"),
            counsellors=[counsellor_membership],
        )

        assert couple.partner_a.practice == couple.partner_b.practice == practice
        assert list(couple.counsellors.all()) == [counsellor_membership]
        assert couple.name == "Lou & Kit"


def test_couple_create_refuses_a_counsellor_of_another_practice(
    practice: Practice, outsider_membership: Membership
) -> None:
    with scope(practice=practice), pytest.raises(ValidationError):
        couple_create(
            practice=practice,
            partner_a=PartnerDetails("Lou"),
            partner_b=PartnerDetails("Kit"),
            counsellors=[outsider_membership],
        )


def test_a_counsellor_who_is_not_an_admin_is_always_one_of_the_couples_they_add(
    practice: Practice, counsellor_membership: Membership
) -> None:
    with scope(practice=practice):
        couple = couple_create(
            practice=practice,
            partner_a=PartnerDetails("Lou"),
            partner_b=PartnerDetails("Kit"),
            counsellors=[],
            created_by=counsellor_membership,
        )

        assert list(couple.counsellors.all()) == [counsellor_membership]


def test_an_admin_must_name_a_counsellor(practice: Practice, admin_membership: Membership) -> None:
    with scope(practice=practice), pytest.raises(ValidationError) as refused:
        couple_create(
            practice=practice,
            partner_a=PartnerDetails("Lou"),
            partner_b=PartnerDetails("Kit"),
            counsellors=[],
            created_by=admin_membership,
        )

    assert refused.value.message_dict == {"counsellors": ["Choose at least one counsellor."]}


def test_couple_update_without_counsellors_leaves_them_alone(
    couple: Couple, counsellor_membership: Membership
) -> None:
    with scope(practice=couple.practice):
        couple_update(
            couple=couple,
            partner_a=PartnerDetails("Sam", "", "he/him"),
            partner_b=PartnerDetails("Alexis"),
            counsellors=None,
        )
        couple.refresh_from_db()

        assert couple.name == "Sam & Alexis"
        assert couple.partner_a.email == ""
        assert list(couple.counsellors.all()) == [counsellor_membership]


def test_progress_moves_from_not_opened_to_submitted(assignment: NewAssignment) -> None:
    practice = assignment.assignment.practice
    version = assignment.assignment.instrument_version
    assert progress_of(assignment) == (Stage.NOT_OPENED, Stage.NOT_OPENED)

    with scope(practice=practice):
        Invitation.objects.filter(assignment=assignment.assignment, partner="b").update(
            opened_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
        )
        response = response_for_invitation(invitation=invitation_of(assignment, "a"))
        response = response_save_answers(
            response=response, revision=0, answers={version.items[0]["id"]: 3}
        )
    assert progress_of(assignment) == (Stage.IN_PROGRESS, Stage.OPENED)

    with scope(practice=practice):
        answers = {item["id"]: 3 for item in version.items}
        response = response_save_answers(response=response, revision=1, answers=answers)
        response_submit(response=response)
    assert progress_of(assignment) == (Stage.SUBMITTED, Stage.OPENED)


def test_progress_follows_the_newest_answers_version_after_a_reopen(
    assignment: NewAssignment, counsellor_membership: Membership
) -> None:
    version = assignment.assignment.instrument_version
    with scope(practice=assignment.assignment.practice):
        response = response_for_invitation(invitation=invitation_of(assignment, "a"))
        answers = {item["id"]: 5 for item in version.items}
        response = response_save_answers(response=response, revision=0, answers=answers)
        response = response_submit(response=response)
        response_reopen(response=response, by=counsellor_membership, reason="Typo")
        stored = assignments_with_progress().get(pk=assignment.assignment.pk)
        partner_a = assignment_progress(
            assignment=stored, couple=assignment.assignment.couple
        ).partners[0]

    assert partner_a.stage == Stage.IN_PROGRESS
    assert partner_a.percent == 100
    assert partner_a.answers_version == 2
    assert partner_a.was_reopened


def test_progress_never_loads_the_answers(assignment: NewAssignment) -> None:
    with scope(practice=assignment.assignment.practice):
        response_for_invitation(invitation=invitation_of(assignment, "a"))
        stored = assignments_with_progress().get(pk=assignment.assignment.pk)
        loaded = list(stored.responses.all())

    assert loaded
    assert all("answers" in r.get_deferred_fields() for r in loaded)


def test_overdue_only_while_someone_has_not_submitted(assignment: NewAssignment) -> None:
    with scope(practice=assignment.assignment.practice):
        Assignment.objects.filter(pk=assignment.assignment.pk).update(
            due_date=datetime.date(2020, 1, 1)
        )
        stored = assignments_with_progress().get(pk=assignment.assignment.pk)
        progress = assignment_progress(assignment=stored, couple=assignment.assignment.couple)

    assert progress.is_overdue
    assert progress.summary == "0 of 2 submitted"


def test_invitation_send_refuses_a_partner_without_email(assignment: NewAssignment) -> None:
    with scope(practice=assignment.assignment.practice):
        invitation = invitation_of(assignment, "a")
        invitation.client.email = ""
        with pytest.raises(ValidationError, match="no email address"):
            invitation_send(invitation=invitation)


def test_revoking_twice_keeps_the_first_revocation_time(assignment: NewAssignment) -> None:
    with scope(practice=assignment.assignment.practice):
        invitation = invitation_of(assignment, "a")
        invitation_revoke(invitation=invitation)
        first = invitation.revoked_at
        invitation_revoke(invitation=invitation_of(assignment, "a"))

        assert invitation_of(assignment, "a").revoked_at == first
        with pytest.raises(ValidationError, match="no longer active"):
            invitation_send(invitation=invitation_of(assignment, "a"))


def test_reissue_returns_a_link_only_for_a_partner_without_email(
    assignment: NewAssignment,
) -> None:
    with scope(practice=assignment.assignment.practice):
        emailed = invitation_reissue(invitation=invitation_of(assignment, "a"))
        invitation = invitation_of(assignment, "b")
        invitation.client.email = ""
        invitation.client.save()
        copied = invitation_reissue(invitation=invitation_of(assignment, "b"))

    assert emailed is None
    assert copied is not None
    assert "/i/" in copied


def test_caseload_shows_each_couples_newest_assignment(
    library: None, couple: Couple, counsellor_membership: Membership
) -> None:
    practice = couple.practice
    versions = InstrumentVersion.objects.current()
    with scope(practice=practice):
        assignment_create(
            couple=couple,
            instrument_version=versions.get(instrument__slug="balance-check-in"),
            created_by=counsellor_membership,
        )
        newest = assignment_create(
            couple=couple,
            instrument_version=versions.get(instrument__slug="signs-of-imbalance"),
            created_by=counsellor_membership,
        ).assignment
        rows = couple_rows(couples=couple_list(practice=practice, member=counsellor_membership))

    assert len(rows) == 1
    assert rows[0].latest is not None
    assert rows[0].latest.assignment == newest


def test_caseload_filters_by_status_and_name(
    practice: Practice, couple: Couple, counsellor_membership: Membership
) -> None:
    CoupleFactory.create(
        practice=practice,
        partner_b__display_name="Archived-Pat",
        status=Couple.Status.ARCHIVED,
        counsellors=[counsellor_membership],
    )
    with scope(practice=practice):
        active = list(couple_list(practice=practice, member=counsellor_membership))
        archived = list(
            couple_list(
                practice=practice, member=counsellor_membership, status=Couple.Status.ARCHIVED
            )
        )
        searched = list(couple_list(practice=practice, member=counsellor_membership, query="sam"))

    assert active == [couple]
    assert [c.partner_b.display_name for c in archived] == ["Archived-Pat"]
    assert searched == [couple]


def test_couple_page_knows_who_is_assigned(
    couple: Couple, counsellor_membership: Membership, admin_membership: Membership
) -> None:
    colleague = MembershipFactory.create(practice=couple.practice)
    with scope(practice=couple.practice):
        assert couple_page(couple=couple, member=counsellor_membership).member_is_assigned
        assert not couple_page(couple=couple, member=admin_membership).member_is_assigned
        assert not couple_page(couple=couple, member=colleague).member_is_assigned


def test_archived_status_round_trip(couple: Couple) -> None:
    with scope(practice=couple.practice):
        couple_set_status(couple=couple, status=Couple.Status.ARCHIVED)
        couple.refresh_from_db()
        assert couple.status == Couple.Status.ARCHIVED
        couple_set_status(couple=couple, status=Couple.Status.ACTIVE)
        couple.refresh_from_db()
        assert couple.status == Couple.Status.ACTIVE
