"""Emails about invitations. Arguments are ids only; the token is minted inside the job."""

from __future__ import annotations

from clients import services
from practice.celery import app
from practice.models import Practice
from practice.tenancy import PracticeTask


@app.task(base=PracticeTask, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation_email(practice: Practice, invitation_id: int) -> None:
    services.invitation_email_send(practice=practice, invitation_id=invitation_id)


@app.task(base=PracticeTask, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_wrong_person(practice: Practice, invitation_id: int) -> None:
    services.wrong_person_notify(practice=practice, invitation_id=invitation_id)


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
