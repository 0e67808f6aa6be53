"""Background jobs for comparisons: thin wrappers around assessments.comparisons."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError

from assessments.comparisons import rescoring
from assessments.comparisons import services as comparisons
from practice.celery import app
from practice.models import Practice
from practice.tenancy import PracticeTask

TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@app.task(
    base=PracticeTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=comparisons.MAX_ATTEMPTS,
)
def run_comparison(self: Any, practice: Practice, comparison_id: int) -> None:
    if not comparisons.comparison_start_attempt(comparison_id=comparison_id):
        return
    try:
        comparisons.comparison_compute(comparison_id=comparison_id)
    except TRANSIENT_ERRORS as error:
        final = self.request.retries >= comparisons.MAX_ATTEMPTS - 1
        comparisons.comparison_record_error(
            comparison_id=comparison_id, error=f"{type(error).__name__}: {error}", final=final
        )
        if final:
            return
        countdown = settings.COMPARISON_RETRY_BASE_SECONDS * 2**self.request.retries
        raise self.retry(exc=error, countdown=countdown) from error
    except Exception as error:
        # Not transient (a bug or bad data): stop at once and show "failed" with a retry button.
        comparisons.comparison_record_error(
            comparison_id=comparison_id, error=f"{type(error).__name__}: {error}", final=True
        )


@app.task
def reconcile_comparisons() -> dict[str, int]:
    report = comparisons.reconcile()
    return {"requeued": report.requeued, "created": report.created}


@app.task(base=PracticeTask)
def rescore_practice(practice: Practice) -> dict[str, int]:
    """The operator's re-scoring of a practice: lists it and fans it out as batch jobs."""
    run = rescoring.rescore_start(practice=practice)
    return {"run": run.pk, "total": run.total, "batches": run.batches_total}


@app.task(
    base=PracticeTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=5,
)
def rescore_batch(practice: Practice, batch_id: int) -> None:
    rescoring.rescore_batch_run(practice=practice, batch_id=batch_id)
