"""Emails about invitations. Arguments are ids only; the token is minted inside the job."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from clients import services
from clients.models import Invitation
from practice.celery import app
from practice.models import Practice
from practice.tenancy import PracticeTask


@app.task(base=PracticeTask, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation_email(practice: Practice, invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("client", "assignment__instrument_version").get(
        pk=invitation_id
    )
    if not invitation.client.email or not invitation.is_usable:
        return
    token = services.invitation_mint_and_mark_sent(invitation=invitation)
    context = {
        "invitation": invitation,
        "practice": practice,
        "link": services.invitation_url(token),
        "instrument": invitation.assignment.instrument_version,
    }
    send_mail(
        subject=f"{practice.name}: your private questionnaire",
        message=render_to_string("clients/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.client.email],
    )


@app.task(base=PracticeTask, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_wrong_person(practice: Practice, invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("assignment__couple").get(pk=invitation_id)
    couple = invitation.assignment.couple
    recipients = [m.user.email for m in couple.counsellors.select_related("user") if m.is_active]
    if not recipients:
        return
    path = reverse(
        "couple-detail", kwargs={"practice_slug": practice.slug, "couple_id": couple.public_id}
    )
    send_mail(
        subject=f"{practice.name}: an invitation link reached the wrong person",
        message=render_to_string(
            "clients/email/wrong_person.txt", {"url": f"{settings.SITE_URL}{path}"}
        ),
        from_email=None,
        recipient_list=recipients,
    )


@app.task
def send_due_reminders() -> dict[str, int]:
    """Hourly (beat): queues a `send_reminder` per invitation owed one, across practices."""
    from clients import reminders

    return {"queued": reminders.reminders_enqueue_due()}


@app.task(base=PracticeTask, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_reminder(practice: Practice, invitation_id: int) -> bool:
    from clients import reminders

    return reminders.invitation_send_reminder(practice=practice, invitation_id=invitation_id)


@app.task
def send_daily_digests() -> dict[str, int]:
    """Daily (beat): one summary per counsellor per practice with comparisons newly finished."""
    from clients import reminders

    return {"sent": reminders.digests_send()}
