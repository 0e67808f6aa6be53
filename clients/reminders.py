"""Reminder emails to partners who have not submitted, and the counsellors' daily digest.

Both run from Celery beat, which has no tenant: the cross-practice reads here disable scopes
for exactly one query each, and every write happens under the invitation's own practice scope
(the `send_reminder` PracticeTask). No email names a partner to anyone but that partner, and
none carries answers, scores or any other clinical detail.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import transaction
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast, Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assessments.models import Comparison, Response
from clients import services
from clients.models import Couple, Invitation
from practice.models import Membership, Practice
from practice.tenancy import practice_ids, practice_scope

logger = logging.getLogger(__name__)

DIGEST_PERIOD = timedelta(hours=24)


# Reminders --------------------------------------------------------------------------------------


def _due_for_reminder(invitations: QuerySet[Invitation], now: datetime) -> QuerySet[Invitation]:
    """Narrows `invitations` to those owed a reminder at `now`, every condition in the database:
    the partner has an email and has not submitted their latest answers, the link still works,
    the practice's reminder cap is not reached, and the last email (or the invitation's creation,
    if it was never emailed) is at least the practice's `reminder_after_days` old."""
    latest_submitted_at = (
        Response.objects.filter(assignment=OuterRef("assignment_id"), partner=OuterRef("partner"))
        .order_by("-answers_version")
        .values("submitted_at")[:1]
    )
    # integer * interval, then timestamp + interval: Django compiles both natively on PostgreSQL
    # and through its django_format_dtdelta() function on SQLite, which accepts only plain
    # integer fields in a product (hence the cast of the small positive integer).
    wait = ExpressionWrapper(
        Cast("practice__reminder_after_days", IntegerField()) * timedelta(days=1),
        output_field=DurationField(),
    )
    return (
        invitations.exclude(client__email="")
        .filter(
            revoked_at__isnull=True,
            wrong_person_at__isnull=True,
            expires_at__gt=now,
            reminder_count__lt=F("practice__max_reminders"),
            # An archived couple's work is over: nobody should be chased for it.
            assignment__couple__status=Couple.Status.ACTIVE,
        )
        .annotate(
            latest_submitted_at=Subquery(latest_submitted_at),
            remind_from=ExpressionWrapper(
                Coalesce("last_sent_at", "created_at") + wait, output_field=DateTimeField()
            ),
        )
        .filter(latest_submitted_at__isnull=True, remind_from__lte=now)
    )


def invitations_due_for_reminder(*, now: datetime | None = None) -> list[tuple[int, int]]:
    """(practice id, invitation id) of every invitation owed a reminder, across practices, in
    one query. The beat job has no tenant; each reminder re-enters its practice to send."""
    now = now or timezone.now()
    due: list[tuple[int, int]] = []
    for practice_id in practice_ids():
        with practice_scope(practice_id):
            owed = _due_for_reminder(Invitation.objects.filter(practice_id=practice_id), now)
            due += owed.order_by("pk").values_list("practice_id", "pk")
    return due


def reminders_enqueue_due() -> int:
    """Queues one `send_reminder` job (ids only) per invitation owed a reminder. A job queued
    twice, or overtaken by a later run, is harmless: the job re-checks under a row lock."""
    from clients.tasks import send_reminder

    due = invitations_due_for_reminder()
    for practice_id, invitation_id in due:
        transaction.on_commit(functools.partial(send_reminder.delay, practice_id, invitation_id))
    return len(due)


@transaction.atomic
def invitation_send_reminder(*, practice: Practice, invitation_id: int) -> bool:
    """Emails one reminder with a fresh link, if the invitation is still owed one. Returns
    whether an email went out.

    The row lock makes duplicate jobs wait, and the re-check then finds the reminder already
    sent. The email is sent inside the transaction: if sending fails, the new token and the
    counters roll back, and the retry finds the invitation still due."""
    now = timezone.now()
    invitation = (
        _due_for_reminder(Invitation.objects.filter(practice=practice, pk=invitation_id), now)
        .select_for_update(of=("self",))
        .select_related("client", "practice")
        .first()
    )
    if invitation is None:
        return False
    token = services.invitation_mint_and_mark_sent(invitation=invitation)
    Invitation.objects.filter(pk=invitation.pk).update(reminder_count=F("reminder_count") + 1)
    invitation.refresh_from_db(fields=["expires_at"])
    context = {
        "name": invitation.client.display_name,
        "practice": practice,
        "link": services.invitation_url(token),
        "expires_at": invitation.expires_at,
    }
    send_mail(
        subject=f"{practice.name}: a reminder about your questionnaire",
        message=render_to_string("clients/email/reminder.txt", context),
        from_email=None,
        recipient_list=[invitation.client.email],
    )
    return True


# Daily digest -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    membership: Membership
    finished: int


def digest_window(now: datetime) -> tuple[datetime, datetime]:
    """The 24 hours a digest run covers, ending at the top of the hour: a beat run that fires a
    little late covers the same span as an on-time one, so runs on consecutive days neither
    overlap nor leave a gap."""
    end = now.replace(minute=0, second=0, microsecond=0)
    return end - DIGEST_PERIOD, end


def digests_due(*, start: datetime, end: datetime) -> list[Digest]:
    """Each active counsellor membership with comparisons finished in [start, end) for couples
    the counsellor is assigned to, with how many. One query per practice."""
    digests: list[Digest] = []
    for practice_id in practice_ids():
        with practice_scope(practice_id):
            digests += _digests_due_in(practice_id, start=start, end=end)
    return digests


def _digests_due_in(practice_id: int, *, start: datetime, end: datetime) -> list[Digest]:
    memberships = (
        Membership.objects.filter(
            practice_id=practice_id,
            is_active=True,
            is_counsellor=True,
            user__is_active=True,
            couples__assignments__comparisons__status=Comparison.Status.DONE,
            couples__assignments__comparisons__finished_at__gte=start,
            couples__assignments__comparisons__finished_at__lt=end,
        )
        # Counts over the join the filter above made, so only those comparisons count.
        .annotate(finished=Count("couples__assignments__comparisons", distinct=True))
        .select_related("user", "practice")
        .order_by("pk")
    )
    return [Digest(m, m.finished) for m in memberships]


def caseload_url(practice: Practice) -> str:
    return f"{settings.SITE_URL}{reverse('couple-list', kwargs={'practice_slug': practice.slug})}"


def digest_message(digest: Digest) -> EmailMessage:
    membership = digest.membership
    context = {
        "name": membership.user.get_short_name(),
        "practice": membership.practice,
        "finished": digest.finished,
        "url": caseload_url(membership.practice),
    }
    return EmailMessage(
        subject=f"{membership.practice.name}: your daily summary",
        body=render_to_string("clients/email/digest.txt", context),
        to=[membership.user.email],
    )


def digests_send(*, now: datetime | None = None) -> int:
    """One email per counsellor per practice. A failed send is logged and skipped rather than
    retried: re-running the whole job would send everyone else theirs twice, and a missed
    digest loses nothing (the caseload shows the same)."""
    start, end = digest_window(now or timezone.now())
    digests = digests_due(start=start, end=end)
    if not digests:
        return 0
    sent = 0
    with get_connection() as connection:
        for digest in digests:
            message = digest_message(digest)
            message.connection = connection
            try:
                message.send()
            except OSError:
                logger.exception("Daily digest to membership %s failed", digest.membership.pk)
            else:
                sent += 1
    return sent
