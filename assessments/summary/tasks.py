"""Emails of shared-summary links. Arguments are ids only; the token is minted inside the job."""

from __future__ import annotations

from assessments.summary import services
from practice.celery import app
from practice.models import Practice
from practice.tenancy import PracticeTask


@app.task(base=PracticeTask, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_summary_link(practice: Practice, summary_id: int, partner: str, released: str) -> None:
    services.summary_link_email_send(summary_id=summary_id, partner=partner, released=released)
