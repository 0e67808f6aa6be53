"""Reminders to partners who have not submitted, and the counsellors' daily digest."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from assessments.assignments.services import NewAssignment
from assessments.models import Comparison
from clients import reminders, services
from clients.models import Couple, Invitation, Partner
from clients.tasks import send_daily_digests, send_due_reminders, send_reminder
from practice.models import Membership, Practice
from tests.factories import CoupleFactory, MembershipFactory
from tests.support.answering import answer_all, submit
from tests.support.comparing import a_holds_the_say, assign, b_agrees_a_holds_the_say, compared

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def invitation_of(new: NewAssignment, side: str = Partner.A) -> Invitation:
    with scope(practice=new.assignment.practice):
        return Invitation.objects.select_related("client").get(
            assignment=new.assignment, partner=side
        )


def due_ids() -> set[int]:
    return {invitation_id for _, invitation_id in reminders.invitations_due_for_reminder()}


def remind(invitation: Invitation) -> bool:
    return send_reminder.apply(args=(invitation.practice_id, invitation.pk)).get()


def at(time_machine: Any, when: datetime) -> None:
    time_machine.move_to(when, tick=False)


def link_in(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://\S+/i/\S+", str(message.body))
    assert match is not None, message.body
    return match.group(0)


@pytest.fixture
def invited(assignment: NewAssignment) -> Invitation:
    """Partner A's invitation, never emailed yet (the fixture's on-commit sends do not run)."""
    return invitation_of(assignment)


# Which invitations are due ----------------------------------------------------------------------


def test_no_reminder_is_due_before_the_practice_delay(
    invited: Invitation, time_machine, mailoutbox
) -> None:
    at(time_machine, invited.created_at + 3 * DAY - timedelta(minutes=1))

    assert invited.pk not in due_ids()
    assert remind(invited) is False
    assert mailoutbox == []


def test_a_reminder_is_due_once_the_delay_has_passed(invited: Invitation, time_machine) -> None:
    at(time_machine, invited.created_at + 3 * DAY)

    assert invited.pk in due_ids()


def test_the_delay_is_each_practices_own(invited: Invitation, time_machine) -> None:
    Practice.objects.filter(pk=invited.practice_id).update(reminder_after_days=5)
    at(time_machine, invited.created_at + 4 * DAY)
    assert invited.pk not in due_ids()

    at(time_machine, invited.created_at + 5 * DAY + timedelta(minutes=1))
    assert invited.pk in due_ids()


def test_the_delay_counts_from_the_last_email_sent(invited: Invitation, time_machine) -> None:
    at(time_machine, invited.created_at + 2 * DAY)
    with scope(practice=invited.practice):
        services.invitation_mint_and_mark_sent(invitation=invited)

    at(time_machine, invited.created_at + 4 * DAY)
    assert invited.pk not in due_ids()
    at(time_machine, invited.created_at + 5 * DAY)
    assert invited.pk in due_ids()


def test_due_invitations_are_found_across_practices_in_one_query_per_practice(
    invited: Invitation,
    other_couple: Couple,
    outsider_membership: Membership,
    time_machine,
    django_assert_num_queries,
) -> None:
    elsewhere = invitation_of(assign(other_couple, "balance-check-in", outsider_membership))
    at(time_machine, max(invited.created_at, elsewhere.created_at) + 4 * DAY)

    # The practices, then each practice's own (the database shows one practice at a time).
    with django_assert_num_queries(1 + 2):
        due = reminders.invitations_due_for_reminder()

    assert (invited.practice_id, invited.pk) in due
    assert (elsewhere.practice_id, elsewhere.pk) in due


def test_the_hourly_job_queues_one_reminder_per_due_invitation_by_id(
    assignment: NewAssignment, time_machine, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    queued: list[tuple[Any, ...]] = []
    monkeypatch.setattr(send_reminder, "delay", lambda *args: queued.append(args))
    a, b = invitation_of(assignment, Partner.A), invitation_of(assignment, Partner.B)
    submit(assignment.assignment, Partner.B)
    at(time_machine, a.created_at + 3 * DAY + timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        report = send_due_reminders.apply().get()

    assert report == {"queued": 1}
    assert queued == [(a.practice_id, a.pk)]
    assert b.pk not in due_ids()


# Sending ----------------------------------------------------------------------------------------


def test_one_reminder_goes_out_after_the_delay(
    invited: Invitation, time_machine, mailoutbox
) -> None:
    at(time_machine, invited.created_at + 3 * DAY + timedelta(minutes=1))

    assert remind(invited) is True

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [invited.client.email]
    assert "Riverside Counselling" in message.subject
    assert message.body.startswith(f"Hello {invited.client.display_name},")
    with scope(practice=invited.practice_id):
        invited.refresh_from_db()
    assert invited.reminder_count == 1
    assert invited.last_sent_at == timezone.now()
    assert invited.pk not in due_ids()


def test_the_reminder_names_no_partner_and_no_instrument(
    assignment: NewAssignment, time_machine, mailoutbox
) -> None:
    invitation = invitation_of(assignment, Partner.A)
    answer_all(assignment.assignment, Partner.A)
    at(time_machine, invitation.created_at + 3 * DAY + timedelta(minutes=1))

    assert remind(invitation) is True

    assert mailoutbox[0].to == [invitation.client.email]
    body = mailoutbox[0].body + mailoutbox[0].subject
    assert "Sam" in body
    assert "Alex" not in body
    assert assignment.assignment.instrument_version.title not in body


def test_a_second_reminder_waits_another_full_delay(
    invited: Invitation, time_machine, mailoutbox
) -> None:
    first = invited.created_at + 3 * DAY + timedelta(minutes=1)
    at(time_machine, first)
    assert remind(invited) is True

    at(time_machine, first + 3 * DAY - timedelta(minutes=1))
    assert remind(invited) is False
    at(time_machine, first + 3 * DAY)
    assert remind(invited) is True

    assert len(mailoutbox) == 2
    with scope(practice=invited.practice_id):
        invited.refresh_from_db()
    assert invited.reminder_count == 2


def test_never_more_reminders_than_the_practice_allows(
    invited: Invitation, time_machine, mailoutbox
) -> None:
    Practice.objects.filter(pk=invited.practice_id).update(
        max_reminders=2, invitation_expiry_days=90
    )
    for week in range(1, 5):
        at(time_machine, invited.created_at + week * 7 * DAY)
        remind(invited)

    assert len(mailoutbox) == 2
    assert invited.pk not in due_ids()


def test_a_practice_allowing_no_reminders_sends_none(invited: Invitation, time_machine) -> None:
    Practice.objects.filter(pk=invited.practice_id).update(max_reminders=0)
    at(time_machine, invited.created_at + 4 * DAY)

    assert invited.pk not in due_ids()
    assert remind(invited) is False


def test_no_reminder_after_the_link_expired(invited: Invitation, time_machine, mailoutbox) -> None:
    at(time_machine, invited.expires_at + timedelta(minutes=1))

    assert invited.pk not in due_ids()
    assert remind(invited) is False
    assert mailoutbox == []


def test_no_reminder_once_the_partner_submitted(assignment: NewAssignment, time_machine) -> None:
    invitation = invitation_of(assignment)
    submit(assignment.assignment, Partner.A)
    at(time_machine, invitation.created_at + 4 * DAY)

    assert invitation.pk not in due_ids()
    assert remind(invitation) is False


def test_a_reopened_response_is_due_again(
    assignment: NewAssignment, counsellor_membership: Membership, time_machine
) -> None:
    from assessments.assignments.services import response_reopen

    invitation = invitation_of(assignment)
    submitted = submit(assignment.assignment, Partner.A)
    with scope(practice=invitation.practice):
        response_reopen(response=submitted, by=counsellor_membership, reason="One more look")
    at(time_machine, invitation.created_at + 4 * DAY)

    assert invitation.pk in due_ids()


@pytest.mark.parametrize(
    "stop", [services.invitation_revoke, services.invitation_report_wrong_person]
)
def test_no_reminder_after_a_revoke_or_a_wrong_person_report(
    invited: Invitation, time_machine, stop: Callable[..., None]
) -> None:
    with scope(practice=invited.practice):
        stop(invitation=invited)
    at(time_machine, invited.created_at + 4 * DAY)

    assert invited.pk not in due_ids()
    assert remind(invited) is False


def test_no_reminder_without_an_email_address(invited: Invitation, time_machine) -> None:
    invited.client.email = ""
    with scope(practice=invited.practice):
        invited.client.save(update_fields=["email"])
    at(time_machine, invited.created_at + 4 * DAY)

    assert invited.pk not in due_ids()
    assert remind(invited) is False


def test_no_reminder_for_an_archived_couple(
    invited: Invitation, couple: Couple, time_machine
) -> None:
    with scope(practice=couple.practice):
        services.couple_set_status(couple=couple, status=Couple.Status.ARCHIVED)
    at(time_machine, invited.created_at + 4 * DAY)

    assert invited.pk not in due_ids()


def test_a_reminder_job_delivered_twice_sends_one_email(
    invited: Invitation, time_machine, mailoutbox
) -> None:
    at(time_machine, invited.created_at + 4 * DAY)

    results = [remind(invited), remind(invited)]

    assert results == [True, False]
    assert len(mailoutbox) == 1
    with scope(practice=invited.practice_id):
        invited.refresh_from_db()
    assert invited.reminder_count == 1


def test_the_reminder_link_opens_the_questionnaire(
    invited: Invitation, time_machine, mailoutbox
) -> None:
    at(time_machine, invited.created_at + 4 * DAY)
    remind(invited)

    response = Client().get(urlsplit(link_in(mailoutbox[0])).path)

    assert response.status_code == 302
    assert response["Location"] == "/respond/"


def test_a_reminder_for_another_practice_is_not_sent_under_this_one(
    invited: Invitation, other_practice: Practice, time_machine, mailoutbox
) -> None:
    at(time_machine, invited.created_at + 4 * DAY)

    assert send_reminder.apply(args=(other_practice.pk, invited.pk)).get() is False
    assert mailoutbox == []


# Daily digest -----------------------------------------------------------------------------------

MORNING = datetime(2025, 3, 4, 7, 0, 20, tzinfo=UTC)


@pytest.fixture
def finished_yesterday(
    assignment: NewAssignment, couple: Couple, counsellor_membership: Membership, time_machine
):
    """Two comparisons for the couple, finished within the 24 hours before MORNING."""
    at(time_machine, MORNING - 20 * timedelta(hours=1))
    first = compared(assignment, a_holds_the_say, b_agrees_a_holds_the_say)
    at(time_machine, MORNING - timedelta(minutes=5))
    second = compared(assign(couple, "signs-of-imbalance", counsellor_membership))
    at(time_machine, MORNING)
    return [first, second]


def test_the_digest_goes_once_to_each_assigned_active_counsellor(
    finished_yesterday,
    couple: Couple,
    counsellor_membership: Membership,
    admin_membership,
    mailoutbox,
) -> None:
    practice = couple.practice
    colleague = MembershipFactory.create(practice=practice, user__full_name="Col League")
    MembershipFactory.create(practice=practice, user__full_name="Una Unassigned")
    gone = MembershipFactory.create(practice=practice, is_active=False)
    locked_out = MembershipFactory.create(practice=practice, user__is_active=False)
    with scope(practice=couple.practice), scopes_disabled():
        couple.counsellors.add(colleague, gone, locked_out, admin_membership)

    report = send_daily_digests.apply().get()

    assert report == {"sent": 2}
    recipients = sorted(address for message in mailoutbox for address in message.to)
    assert recipients == sorted([counsellor_membership.user.email, colleague.user.email])


def test_the_digest_gives_the_count_and_the_caseload_link_and_nothing_clinical(
    finished_yesterday, counsellor_membership: Membership, mailoutbox
) -> None:
    send_daily_digests.apply().get()

    (message,) = mailoutbox
    text = f"{message.subject}\n{message.body}"
    assert "2 comparisons finished" in text
    assert f"{settings.SITE_URL}/p/riverside/couples/" in text
    for name in ("Sam", "Alex"):
        assert name not in text
    # The only numbers outside the link: the count and the "24 hours" of the period.
    assert re.findall(r"\d+", text.replace(settings.SITE_URL, "")) == ["2", "24"]
    assert {c.overall_index for c in finished_yesterday} - {2, 24}
    for comparison in finished_yesterday:
        for label in (comparison.overall_band, comparison.top_area):
            assert label
            assert label.lower() not in text.lower()


def test_comparisons_finished_before_the_last_24_hours_are_not_counted(
    finished_yesterday, time_machine, mailoutbox
) -> None:
    at(time_machine, MORNING + 21 * timedelta(hours=1))

    send_daily_digests.apply().get()

    (message,) = mailoutbox
    assert "1 comparison finished" in message.body


def test_failed_comparisons_are_not_counted(finished_yesterday, mailoutbox) -> None:
    with scope(practice=finished_yesterday[0].practice_id), scopes_disabled():
        Comparison.objects.filter(pk=finished_yesterday[0].pk).update(
            status=Comparison.Status.FAILED
        )

    send_daily_digests.apply().get()

    (message,) = mailoutbox
    assert "1 comparison finished" in message.body


def test_a_counsellor_with_nothing_finished_gets_no_digest(
    assignment: NewAssignment, time_machine, mailoutbox
) -> None:
    submit(assignment.assignment, Partner.A)
    at(time_machine, MORNING)

    assert send_daily_digests.apply().get() == {"sent": 0}
    assert mailoutbox == []


def test_each_practice_of_a_counsellor_gets_its_own_digest(
    finished_yesterday,
    counsellor_membership: Membership,
    other_practice: Practice,
    time_machine,
    mailoutbox,
) -> None:
    elsewhere = MembershipFactory.create(practice=other_practice, user=counsellor_membership.user)
    other_couple = CoupleFactory.create(practice=other_practice, counsellors=[elsewhere])
    at(time_machine, MORNING - timedelta(hours=2))
    compared(assign(other_couple, "balance-check-in", elsewhere))
    at(time_machine, MORNING)

    send_daily_digests.apply().get()

    assert len(mailoutbox) == 2
    assert {counsellor_membership.user.email} == {m.to[0] for m in mailoutbox}
    bodies = sorted(m.body for m in mailoutbox)
    assert any("/p/riverside/couples/" in body for body in bodies)
    assert any("/p/hillside/couples/" in body for body in bodies)
