"""The comparison job in-process: what it costs in queries, and that a done comparison never
leaves "done" except through an explicit re-score (a stale message, the reconciler racing a
worker)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from assessments.assignments.services import NewAssignment
from assessments.comparisons import job_hooks
from assessments.comparisons import services as comparisons
from assessments.comparisons.tasks import run_comparison
from assessments.engine import scoring
from assessments.models import Comparison, Response
from tests.support.answering import answer_all
from tests.support.comparing import a_holds_the_say, b_agrees_a_holds_the_say

pytestmark = pytest.mark.django_db

QUERIES_PER_JOB = 4


def pending(new: NewAssignment, *, queued_ago: timedelta = timedelta(0)) -> Comparison:
    """A comparison as `comparison_request` leaves it (its message not delivered yet)."""
    a = answer_all(new.assignment, "a", a_holds_the_say)
    b = answer_all(new.assignment, "b", b_agrees_a_holds_the_say)
    with scope(practice=new.assignment.practice), scopes_disabled():
        Response.objects.filter(pk__in=[a.pk, b.pk]).update(submitted_at=timezone.now())
        return Comparison.objects.create(
            practice=new.assignment.practice,
            assignment=new.assignment,
            response_a=a,
            response_b=b,
            queued_at=timezone.now() - queued_ago,
        )


def run_job(comparison: Comparison) -> None:
    run_comparison.apply(args=(comparison.practice_id, comparison.pk)).get()


def stored(comparison: Comparison) -> Comparison:
    with scope(practice=comparison.practice_id), scopes_disabled():
        return Comparison.objects.get(pk=comparison.pk)


def expected_result(comparison: Comparison) -> dict[str, object]:
    with scope(practice=comparison.practice):
        context = comparisons.ScoringContext.load()
        version = comparison.assignment.instrument_version
        return scoring.compare(
            version.as_definition(),
            comparison.response_a.answers,
            comparison.response_b.answers,
            context.topics,
        ).to_dict()


def test_a_comparison_job_takes_at_most_four_queries_and_stores_the_exact_result(
    assignment: NewAssignment,
) -> None:
    comparison = pending(assignment)
    # The first job of a process reads the definitions for its caches; then it starts afresh.
    run_job(comparison)
    with scope(practice=comparison.practice_id), scopes_disabled():
        Comparison.objects.filter(pk=comparison.pk).update(
            status=Comparison.Status.PENDING, attempts=0, result=None, finished_at=None
        )

    with CaptureQueriesContext(connection) as queries:
        run_job(comparison)

    assert len(queries) <= QUERIES_PER_JOB, [q["sql"] for q in queries.captured_queries]
    done = stored(comparison)
    assert done.status == Comparison.Status.DONE
    assert done.attempts == 1
    assert done.last_error == ""
    assert done.started_at is not None
    assert done.finished_at is not None
    assert done.result == expected_result(comparison)
    assert done.algorithm_version == scoring.ALGORITHM_VERSION
    assert done.overall_index == done.result["overall_index"]
    assert done.top_area == done.result["ranked_areas"][0]
    with scope(practice=comparison.practice):
        context = comparisons.ScoringContext.load()
        assert done.params_hash == context.params_hash(comparison.assignment.instrument_version)


def test_a_stale_message_for_a_done_comparison_changes_nothing(assignment: NewAssignment) -> None:
    comparison = pending(assignment)
    run_job(comparison)
    first = stored(comparison)

    run_job(comparison)
    run_job(comparison)

    again = stored(comparison)
    assert again.status == Comparison.Status.DONE
    assert again.attempts == 1
    assert again.finished_at == first.finished_at
    assert again.result == first.result


def test_a_second_computation_of_a_done_comparison_stores_nothing(
    assignment: NewAssignment,
) -> None:
    # Two deliveries that both got past the start: the later one must not overwrite.
    comparison = pending(assignment)
    with scope(practice=comparison.practice):
        assert comparisons.comparison_start_attempt(comparison_id=comparison.pk)
        assert comparisons.comparison_compute(comparison_id=comparison.pk)
        first = stored(comparison)
        assert not comparisons.comparison_compute(comparison_id=comparison.pk)
    assert stored(comparison).finished_at == first.finished_at


def finishes_meanwhile(comparison: Comparison) -> Callable[[int], None]:
    def finish(comparison_id: int) -> None:
        if comparison_id == comparison.pk:
            run_job(comparison)

    return finish


def test_the_reconciler_leaves_done_a_comparison_finished_after_its_listing(
    assignment: NewAssignment,
) -> None:
    comparison = pending(assignment, queued_ago=timedelta(hours=1))
    remove = job_hooks.register("before-requeue", finishes_meanwhile(comparison))
    try:
        report = comparisons.reconcile()
    finally:
        remove()

    assert report.requeued == 0
    done = stored(comparison)
    assert done.status == Comparison.Status.DONE
    assert done.attempts == 1
    assert done.result == expected_result(comparison)


def test_a_listed_comparison_finished_before_its_requeue_is_not_requeued(
    assignment: NewAssignment,
) -> None:
    comparison = pending(assignment, queued_ago=timedelta(hours=1))
    cutoff = timezone.now() - timedelta(minutes=5)
    with scope(practice=comparison.practice):
        listed = list(comparisons.due_comparisons(comparison.practice, cutoff))
    assert [c.pk for c in listed] == [comparison.pk]

    run_job(comparison)  # a worker finishes it between the listing and the requeue
    with scope(practice=comparison.practice):
        requeued = comparisons.comparison_requeue_if_due(
            practice=comparison.practice, comparison_id=comparison.pk, cutoff=cutoff
        )

    assert not requeued
    done = stored(comparison)
    assert done.status == Comparison.Status.DONE
    assert done.attempts == 1


def test_the_reconciler_still_requeues_a_comparison_stuck_running(
    assignment: NewAssignment,
) -> None:
    comparison = pending(assignment)
    with scope(practice=comparison.practice_id), scopes_disabled():
        Comparison.objects.filter(pk=comparison.pk).update(
            status=Comparison.Status.RUNNING,
            attempts=1,
            started_at=timezone.now() - timedelta(hours=1),
        )

    report = comparisons.reconcile()

    assert report.requeued == 1
    requeued = stored(comparison)
    assert requeued.status == Comparison.Status.PENDING
    assert requeued.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_only_the_jobs_own_writes_skip_waiting_for_the_disk(assignment: NewAssignment) -> None:
    comparison = pending(assignment)

    with CaptureQueriesContext(connection) as queries:
        run_job(comparison)

    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 2
    asynchronous = "set_config('synchronous_commit', 'off', true)"
    if connection.vendor == "postgresql":
        assert all(asynchronous in sql for sql in updates)
        # Local to each statement's transaction: the kept connection commits as usual after.
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone() == ("on",)
    else:
        assert not any(asynchronous in sql for sql in updates)
    assert stored(comparison).status == Comparison.Status.DONE
