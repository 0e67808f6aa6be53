"""Writes on comparisons: request one when both partners have submitted, run it exactly once,
re-run what was lost, and re-score after an algorithm or library change."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Field,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from assessments.comparisons import job_hooks
from assessments.engine import scoring
from assessments.models import (
    Assignment,
    Comparison,
    ComparisonHistory,
    InstrumentVersion,
    Response,
    Topic,
)
from assessments.summary import services as summaries
from practice.models import Membership, Practice
from practice.tenancy import enqueue_on_commit, practice_scope

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def _enqueue(comparison: Comparison) -> None:
    from assessments.comparisons.tasks import run_comparison

    enqueue_on_commit(run_comparison, comparison.practice, comparison.pk)


def rescore_request(*, practice: Practice) -> None:
    """Queues the re-scoring of the practice's changed comparisons once the caller commits (the
    operator's admin action: the operator never sees the results, only that it was queued)."""
    from assessments.comparisons.tasks import rescore_practice

    enqueue_on_commit(rescore_practice, practice)


def latest_responses(assignment: Assignment) -> tuple[Response | None, Response | None]:
    latest: dict[str, Response] = {}
    for response in assignment.responses.order_by("partner", "-answers_version"):
        latest.setdefault(response.partner, response)
    return latest.get("a"), latest.get("b")


@transaction.atomic
def comparison_request(*, assignment: Assignment) -> Comparison | None:
    """Creates (once) the comparison of both partners' latest submitted answers and queues it.
    Does nothing while either partner has not submitted."""
    a, b = latest_responses(assignment)
    if a is None or b is None or a.submitted_at is None or b.submitted_at is None:
        return None
    try:
        with transaction.atomic():
            comparison, created = Comparison.objects.get_or_create(
                practice=assignment.practice,
                assignment=assignment,
                response_a=a,
                response_b=b,
                defaults={"queued_at": timezone.now()},
            )
    except IntegrityError:
        # Both partners submitted at the same moment: the other request created it.
        return Comparison.objects.get(assignment=assignment, response_a=a, response_b=b)
    if created:
        _enqueue(comparison)
    return comparison


@transaction.atomic
def comparison_retry(*, comparison: Comparison) -> None:
    """The counsellor's retry of a failed comparison: a fresh set of attempts."""
    locked = Comparison.objects.select_for_update().get(pk=comparison.pk)
    if locked.status != Comparison.Status.FAILED:
        return
    locked.status = Comparison.Status.PENDING
    locked.attempts = 0
    locked.last_error = ""
    locked.queued_at = timezone.now()
    locked.save(update_fields=["status", "attempts", "last_error", "queued_at"])
    _enqueue(locked)


def library_topics() -> list[scoring.TopicDef]:
    return [topic.as_definition() for topic in Topic.objects.order_by("slug")]


# Per-process cache of the topic library for the comparison job, which would otherwise rebuild it
# for every comparison; keyed by the topics' content hashes, so a changed library is never served
# from it. (Instrument definitions are cached the same way, in `InstrumentVersion.as_definition`.)
_topics_by_hash: dict[str, list[scoring.TopicDef]] = {}
_CACHE_LIMIT = 64  # library versions seen by one process: a handful in practice


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


def topic_hashes_sql() -> RawSQL:
    """The topics' content hashes concatenated in slug order, as a scalar subquery, so the job
    reads them in the same statement as the comparison."""
    table = connection.ops.quote_name(Topic._meta.db_table)
    if connection.vendor == "postgresql":
        sql = f"SELECT string_agg(content_hash, '' ORDER BY slug) FROM {table}"  # noqa: S608
    else:
        sql = (
            "SELECT group_concat(content_hash, '') FROM "  # noqa: S608
            f"(SELECT content_hash FROM {table} ORDER BY slug)"
        )
    return RawSQL(sql, [])  # noqa: S611 - no parameters; the table name is the model's own


@dataclass(frozen=True)
class ScoringContext:
    """What scoring needs besides the answers; loaded once per job or per re-scoring batch."""

    topics: list[scoring.TopicDef]
    topics_hash: str

    @classmethod
    def load(cls) -> ScoringContext:
        return cls.for_hashes(
            "".join(Topic.objects.order_by("slug").values_list("content_hash", flat=True))
        )

    @classmethod
    def for_hashes(cls, hashes: str) -> ScoringContext:
        """The context for the topics whose content hashes, concatenated in slug order, are
        `hashes`; the topics themselves are read once per library version and process."""
        topics_hash = hashlib.sha256(hashes.encode()).hexdigest()
        topics = _topics_by_hash.get(topics_hash)
        if topics is None:
            topics = library_topics()
            _remember(_topics_by_hash, topics_hash, topics)
        return cls(topics, topics_hash)

    def params_hash(self, version: InstrumentVersion) -> str:
        return hashlib.sha256(f"{version.content_hash}:{self.topics_hash}".encode()).hexdigest()


def _compute(comparison: Comparison, context: ScoringContext) -> scoring.ComparisonResult:
    version = comparison.assignment.instrument_version
    return scoring.compare(
        version.as_definition(),
        comparison.response_a.answers,
        comparison.response_b.answers,
        context.topics,
    )


def result_columns(result: scoring.ComparisonResult, params_hash: str) -> dict[str, Any]:
    """The result and the columns copied out of it, by field name."""
    levels = {flag.level for flag in result.safety_flags}
    return {
        "result": result.to_dict(),
        "algorithm_version": result.algorithm_version,
        "params_hash": params_hash,
        "overall_index": result.overall_index,
        "overall_band": result.overall_band or "",
        "top_area": result.ranked_areas[0] if result.ranked_areas else "",
        "safety_level": "urgent"
        if "urgent" in levels
        else "caution"
        if "caution" in levels
        else "",
    }


def apply_result(
    *, comparison: Comparison, result: scoring.ComparisonResult, params_hash: str
) -> None:
    """Sets the result and the columns copied out of it on a comparison (not saved)."""
    for name, value in result_columns(result, params_hash).items():
        setattr(comparison, name, value)


def _without_waiting_for_the_disk() -> list[Any]:
    """A filter that makes its statement's own transaction commit asynchronously on PostgreSQL
    (set_config(..., is_local => true) lasts until that commit), for the job's two writes.

    Why: each synchronous commit waits for a WAL flush (3-4 ms measured here, more under load),
    which cost the job more than its scoring. Asynchronous commit never reorders or half-applies
    a transaction; a crash of the database server may only lose the last fraction of a second
    of commits, which leaves a comparison pending or running with its attempt counted: the
    reconciler re-queues it and the same inputs give the same result, so nothing is lost or
    duplicated. Everything else (the request that created the comparison) commits as usual."""
    # Inside a caller's transaction (the demo seeding, a test) it would cover all of it.
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return []
    return [
        ExpressionWrapper(
            RawSQL("set_config('synchronous_commit', 'off', true) = 'off'", []),
            output_field=BooleanField(),
        )
    ]


def comparison_start_attempt(*, comparison_id: int) -> bool:
    """Counts an attempt in its own transaction, so a worker killed mid-job still used it up.
    Returns False when there is nothing (more) to do."""
    # The common case in one statement (its own transaction, holding the row lock while it
    # runs): a queued or re-delivered comparison with attempts left.
    started = Comparison.objects.filter(
        *_without_waiting_for_the_disk(),
        pk=comparison_id,
        status__in=(Comparison.Status.PENDING, Comparison.Status.RUNNING),
        attempts__lt=MAX_ATTEMPTS,
    ).update(
        attempts=F("attempts") + 1, status=Comparison.Status.RUNNING, started_at=timezone.now()
    )
    if started:
        return True
    # Done, failed or out of attempts (or gone): decided under the lock as before.
    with transaction.atomic():
        comparison = Comparison.objects.select_for_update().get(pk=comparison_id)
        if comparison.status in (Comparison.Status.DONE, Comparison.Status.FAILED):
            return False
        if comparison.attempts >= MAX_ATTEMPTS:
            comparison.status = Comparison.Status.FAILED
            comparison.last_error = comparison.last_error or "Gave up after repeated attempts."
            comparison.finished_at = timezone.now()
            comparison.save(update_fields=["status", "last_error", "finished_at"])
            return False
        comparison.attempts += 1
        comparison.status = Comparison.Status.RUNNING
        comparison.started_at = timezone.now()
        comparison.save(update_fields=["attempts", "status", "started_at"])
        return True


def comparison_compute(*, comparison_id: int) -> bool:
    """Computes the result and stores it with the done status in one conditional statement: a
    second delivery of the same job, or one that finished meanwhile, changes nothing. Two
    statements in all (the inputs, the result); returns whether this call stored the result."""
    comparison = (
        Comparison.objects.select_related(
            "assignment__instrument_version", "response_a", "response_b"
        )
        # Only the columns the job reads: building and reading four tables' worth of columns
        # cost more than the scoring. The instrument's definition comes from the per-process
        # cache and is read only on a miss; the topics' hashes come along in this statement.
        .only(*_JOB_COLUMNS)
        .annotate(topic_hashes=topic_hashes_sql())
        .get(pk=comparison_id)
    )
    if comparison.status == Comparison.Status.DONE:
        return False
    job_hooks.checkpoint("before-compute", comparison.pk)
    context = ScoringContext.for_hashes(comparison.topic_hashes or "")
    result = _compute(comparison, context)
    columns = result_columns(result, context.params_hash(comparison.assignment.instrument_version))
    # The inputs never change once compared (a new submission is a new comparison), so the row
    # needs no lock while scoring: whichever delivery writes first wins, the others match nothing.
    stored = (
        Comparison.objects.filter(*_without_waiting_for_the_disk(), pk=comparison_id)
        .exclude(status=Comparison.Status.DONE)
        .update(
            **columns,
            status=Comparison.Status.DONE,
            last_error="",
            finished_at=timezone.now(),
        )
    )
    if stored and columns.get("safety_level"):
        # A flag raised now hides any summary already shared with the couple.
        summaries.withdraw_flagged(comparison.practice_id, [comparison_id])
    return bool(stored)


def comparison_finish(*, comparison_id: int) -> Comparison:
    """Computes and stores the result (as the job does) and returns the comparison as stored."""
    comparison_compute(comparison_id=comparison_id)
    return Comparison.objects.get(pk=comparison_id)


_JOB_COLUMNS = (
    "status",
    "practice_id",
    "assignment__instrument_version__content_hash",
    "response_a__answers",
    "response_b__answers",
)


def comparison_record_error(*, comparison_id: int, error: str, final: bool) -> None:
    with transaction.atomic():
        comparison = Comparison.objects.select_for_update().get(pk=comparison_id)
        if comparison.status == Comparison.Status.DONE:
            return
        comparison.last_error = error[:2000]
        comparison.status = Comparison.Status.FAILED if final else Comparison.Status.PENDING
        if final:
            comparison.finished_at = timezone.now()
        comparison.save(update_fields=["last_error", "status", "finished_at"])


# Reconciliation ---------------------------------------------------------------------------------


def _stuck_since() -> timedelta:
    return timedelta(seconds=settings.COMPARISON_STUCK_AFTER_SECONDS)


def _due(cutoff: datetime) -> Q:
    return Q(status=Comparison.Status.PENDING, queued_at__lt=cutoff) | Q(
        status=Comparison.Status.RUNNING, started_at__lt=cutoff
    )


def due_comparisons(practice: Practice, cutoff: datetime | None = None) -> QuerySet[Comparison]:
    """Comparisons whose message may have been lost: queued or running for too long, in one
    practice (the reconciler visits each practice in turn, inside its scope)."""
    cutoff = cutoff or timezone.now() - _stuck_since()
    return Comparison.objects.filter(_due(cutoff), practice=practice).only("pk", "practice_id")


def comparison_requeue_if_due(*, practice: Practice, comparison_id: int, cutoff: datetime) -> bool:
    """Re-queues one listed comparison if it is still due: the status is re-read by the UPDATE
    itself, under the row lock, so one that a worker finished since the listing stays done."""
    with transaction.atomic():
        requeued = Comparison.objects.filter(_due(cutoff), pk=comparison_id).update(
            status=Comparison.Status.PENDING, queued_at=timezone.now()
        )
        if requeued:
            from assessments.comparisons.tasks import run_comparison

            enqueue_on_commit(run_comparison, practice, comparison_id)
    return bool(requeued)


def assignments_missing_a_comparison(practice: Practice) -> QuerySet[Assignment]:
    """The practice's assignments whose partners' latest answers are both submitted but not yet
    compared."""
    newer = Response.objects.filter(
        assignment=OuterRef("assignment"),
        partner=OuterRef("partner"),
        answers_version__gt=OuterRef("answers_version"),
    )
    latest_submitted = Response.objects.filter(submitted_at__isnull=False).exclude(Exists(newer))
    compared = Comparison.objects.filter(
        assignment=OuterRef("pk"),
        response_a=OuterRef("_a"),
        response_b=OuterRef("_b"),
    )
    return (
        Assignment.objects.filter(practice=practice)
        .annotate(
            _a=Subquery(
                latest_submitted.filter(assignment=OuterRef("pk"), partner="a").values("pk")[:1]
            ),
            _b=Subquery(
                latest_submitted.filter(assignment=OuterRef("pk"), partner="b").values("pk")[:1]
            ),
        )
        .filter(_a__isnull=False, _b__isnull=False)
        .exclude(Exists(compared))
        .only("pk", "practice_id")
    )


@dataclass(frozen=True)
class ReconcileReport:
    requeued: int
    created: int


def reconcile() -> ReconcileReport:
    """Re-queues every comparison whose message may be lost and creates the ones never
    requested, so a flushed broker or a crashed web process loses no work. One practice at a
    time, inside its scope: the database admits no practice's rows outside one."""
    requeued = created = 0
    cutoff = timezone.now() - _stuck_since()
    for practice in Practice.objects.order_by("pk"):
        with practice_scope(practice):
            for comparison in list(due_comparisons(practice, cutoff)):
                # A worker may finish the comparison between the listing and here.
                job_hooks.notify("before-requeue", comparison.pk)
                requeued += comparison_requeue_if_due(
                    practice=practice, comparison_id=comparison.pk, cutoff=cutoff
                )
            for assignment in list(assignments_missing_a_comparison(practice)):
                fresh = Assignment.objects.select_related("practice").get(pk=assignment.pk)
                if comparison_request(assignment=fresh) is not None:
                    created += 1
    return ReconcileReport(requeued, created)


# Re-scoring -------------------------------------------------------------------------------------


def _batches(queryset: QuerySet[Comparison], size: int) -> Iterator[list[Comparison]]:
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk).order_by("pk")[:size])
        if not batch:
            return
        yield batch
        last_pk = batch[-1].pk


@dataclass(frozen=True)
class RescoreReport:
    examined: int
    rescored: int
    failed: int = 0


def rescore_candidates(practice: Practice) -> QuerySet[Comparison]:
    """Done comparisons with the columns re-scoring reads (not the stored result: the history
    row copies it inside the database)."""
    return (
        Comparison.objects.filter(practice=practice, status=Comparison.Status.DONE)
        .select_related("assignment__instrument_version", "response_a", "response_b")
        # As in the job: only the columns used; definitions come from the per-process cache.
        .only(*_RESCORE_COLUMNS)
    )


@dataclass(frozen=True)
class RescoredBatch:
    """New results computed for a batch, not yet written."""

    rows: list[Comparison]
    failed: int


def rescore_compute(
    rows: list[Comparison], context: ScoringContext, *, force: bool
) -> RescoredBatch:
    """Computes new results for the rows whose algorithm version or scoring inputs changed (all
    of them when `force`), setting them on the rows; a row that cannot be scored is counted
    and left as it was."""
    changed, failed = [], 0
    for comparison in rows:
        params_hash = context.params_hash(comparison.assignment.instrument_version)
        if (
            not force
            and comparison.algorithm_version == scoring.ALGORITHM_VERSION
            and comparison.params_hash == params_hash
        ):
            continue
        try:
            result = _compute(comparison, context)
        except (ValueError, KeyError, TypeError):
            logger.exception("re-scoring comparison %s failed", comparison.pk)
            failed += 1
            continue
        apply_result(comparison=comparison, result=result, params_hash=params_hash)
        changed.append(comparison)
    return RescoredBatch(changed, failed)


def rescore_write(*, practice: Practice, batch: RescoredBatch) -> None:
    """Keeps each replaced result as history, then stores the new ones: call inside the
    caller's transaction."""
    if not batch.rows:
        return
    now = timezone.now()
    _archive_results([c.pk for c in batch.rows], now)
    for comparison in batch.rows:
        comparison.finished_at = now
    _save_columns(batch.rows, _RESCORE_FIELDS)
    summaries.withdraw_flagged(practice.pk, [c.pk for c in batch.rows if c.safety_level])


def rescore(
    *,
    practice: Practice,
    couple_id: uuid.UUID | str | None = None,
    batch_size: int = 500,
    force: bool = False,
) -> RescoreReport:
    """Re-scores done comparisons whose algorithm version or scoring inputs changed, in batches
    of one transaction each, in this process (one couple's, or a small practice's; a whole
    practice fans out across the workers: assessments.comparisons.rescoring). Every replaced
    result is kept in ComparisonHistory."""
    context = ScoringContext.load()
    comparisons = rescore_candidates(practice)
    if couple_id is not None:
        comparisons = comparisons.filter(assignment__couple__public_id=couple_id)
    examined = rescored = failed = 0
    for rows in _batches(comparisons, batch_size):
        examined += len(rows)
        batch = rescore_compute(rows, context, force=force)
        with transaction.atomic():
            rescore_write(practice=practice, batch=batch)
        rescored += len(batch.rows)
        failed += batch.failed
    return RescoreReport(examined, rescored, failed)


_RESCORE_COLUMNS = (*_JOB_COLUMNS, "algorithm_version", "params_hash")
_RESCORE_FIELDS = [
    "result", "algorithm_version", "params_hash", "overall_index", "overall_band", "top_area",
    "safety_level", "finished_at",
]  # fmt: skip


def _archive_results(comparison_ids: list[int], now: datetime) -> None:
    """Copies the comparisons' current results into ComparisonHistory inside the database: the
    results (several KB of JSON each) never travel to Python and back."""
    history, comparison = ComparisonHistory._meta, Comparison._meta
    quote = connection.ops.quote_name
    columns = [
        "practice_id", "comparison_id", "algorithm_version", "params_hash", "result",
        "computed_at", "archived_at",
    ]  # fmt: skip
    placeholders = ", ".join(["%s"] * len(comparison_ids))
    # Identifiers come from the models' own metadata; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(history.db_table)} ({', '.join(map(quote, columns))}) "  # noqa: S608
        f"SELECT practice_id, id, algorithm_version, params_hash, result, "
        f"COALESCE(finished_at, %s), %s FROM {quote(comparison.db_table)} "
        f"WHERE id IN ({placeholders}) ORDER BY id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, *comparison_ids])


def _save_columns(rows: list[Comparison], fields: list[str]) -> None:
    """Writes these columns of each row. On PostgreSQL in one `UPDATE ... FROM (VALUES ...)`:
    the dashboard's rollup triggers then run once for the batch, set-based, instead of once per
    row (per-row statements cost 4.2 ms a row, the triggers' work nearly all of it). Elsewhere
    one UPDATE per row, sent together. `bulk_update` would build a CASE over the whole batch for
    every column, whose cost grows with the square of the batch."""
    meta = Comparison._meta
    assert meta.pk is not None
    columns: list[Field[Any, Any]] = []
    for name in fields:
        field = meta.get_field(name)
        assert isinstance(field, Field)
        columns.append(field)
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column or "id")
    names = [quote(field.column or field.name) for field in columns]
    values = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in columns]
        + [row.pk]
        for row in rows
    ]
    # Identifiers and types come from the model's own metadata; every value is a parameter.
    if connection.vendor == "postgresql":
        casts = [f"%s::{field.db_type(connection)}" for field in columns] + ["%s::bigint"]
        row_sql = f"({', '.join(casts)})"
        sql = (
            f"UPDATE {table} SET {', '.join(f'{n} = v.{n}' for n in names)} "  # noqa: S608
            f"FROM (VALUES {', '.join([row_sql] * len(values))}) AS v({', '.join(names)}, {pk}) "
            f"WHERE {table}.{pk} = v.{pk}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for row in values for value in row])
        return
    assignments = ", ".join(f"{n} = %s" for n in names)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


@transaction.atomic
def safety_clear(*, comparison: Comparison, by: Membership) -> None:
    """Records that the individual safety check-in happened; the banner then steps aside."""
    comparison.safety_cleared_at = timezone.now()
    comparison.safety_cleared_by = by
    comparison.save(update_fields=["safety_cleared_at", "safety_cleared_by"])
