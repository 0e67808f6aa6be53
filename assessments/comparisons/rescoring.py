"""Re-scoring a whole practice, fanned out: the done comparisons are split into batches, each a
job of its own, so every worker process scores at once; a RescoreRun counts the progress."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_scopes import scope

from assessments.comparisons import services
from assessments.models import Comparison, RescoreBatch, RescoreRun
from practice.models import Practice
from practice.tenancy import enqueue_on_commit

BATCH_SIZE = 200


def rescore_start(
    *, practice: Practice, force: bool = False, batch_size: int = BATCH_SIZE
) -> RescoreRun:
    """Lists the practice's done comparisons and queues one batch job per `batch_size` of them
    once the caller commits."""
    from assessments.comparisons.tasks import rescore_batch

    with transaction.atomic():
        ids = list(
            Comparison.objects.filter(practice=practice, status=Comparison.Status.DONE)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        chunks = [ids[i : i + batch_size] for i in range(0, len(ids), batch_size)]
        run = RescoreRun.objects.create(
            practice=practice,
            force=force,
            total=len(ids),
            batches_total=len(chunks),
            finished_at=None if chunks else timezone.now(),
        )
        batches = RescoreBatch.objects.bulk_create(
            RescoreBatch(practice=practice, run=run, comparison_ids=chunk) for chunk in chunks
        )
        for batch in batches:
            enqueue_on_commit(rescore_batch, practice, batch.pk)
    return run


def rescore_batch_run(*, practice: Practice, batch_id: int) -> bool:
    """Re-scores one batch; a redelivered batch finds itself finished and changes nothing.
    Returns whether this call did the work."""
    batch = RescoreBatch.objects.select_related("run").get(pk=batch_id)
    if batch.finished_at is not None:
        return False
    context = services.ScoringContext.load()
    rows = list(services.rescore_candidates(practice).filter(pk__in=batch.comparison_ids))
    # Scored outside the transaction: only the writes below hold locks.
    computed = services.rescore_compute(rows, context, force=batch.run.force)
    now = timezone.now()
    with transaction.atomic():
        # Claiming the batch takes its row lock: a concurrent delivery waits here, then finds
        # it finished and writes nothing.
        claimed = RescoreBatch.objects.filter(pk=batch_id, finished_at__isnull=True).update(
            finished_at=now
        )
        if not claimed:
            return False
        services.rescore_write(practice=practice, batch=computed)
        runs = RescoreRun.objects.filter(pk=batch.run_id)
        runs.update(
            done=F("done") + len(batch.comparison_ids),
            rescored=F("rescored") + len(computed.rows),
            failed=F("failed") + computed.failed,
            batches_done=F("batches_done") + 1,
        )
        runs.filter(batches_done=F("batches_total"), finished_at__isnull=True).update(
            finished_at=now
        )
    return True


def progress(run: RescoreRun) -> str:
    """One line for the operator: how far the run is, and whether it ended."""
    share = f"{run.done / run.total:.0%}" if run.total else "100%"
    counts = (
        f"{run.done:,} of {run.total:,} comparisons examined ({share}), "
        f"{run.rescored:,} re-scored, {run.failed:,} failed"
    )
    if run.finished_at is not None:
        seconds = (run.finished_at - run.started_at).total_seconds()
        return f"{counts}; finished in {seconds:.1f} s"
    seconds = (timezone.now() - run.started_at).total_seconds()
    return f"{counts}; running for {seconds:.0f} s"


def latest_progress(practice: Practice) -> str:
    """The progress line of the practice's latest re-scoring run ("" when there was none)."""
    with scope(practice=practice):
        run = RescoreRun.objects.filter(practice=practice).order_by("-started_at", "-pk").first()
    return "" if run is None else progress(run)
