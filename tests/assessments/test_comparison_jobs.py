"""The comparison job against a real worker and broker (Redis in CI, the filesystem broker on a
newcomer's machine): it never loses or duplicates a comparison."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import override_settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from assessments.assignments.services import NewAssignment
from assessments.comparisons import job_hooks
from assessments.comparisons import services as comparisons
from assessments.comparisons.tasks import reconcile_comparisons, run_comparison
from assessments.engine import scoring
from assessments.models import Comparison, Response
from practice.celery import app as celery_app
from practice.tasks import ping
from tests.support.answering import answer_all, submit
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def comparison_of(new: NewAssignment) -> Comparison | None:
    with scope(practice=new.assignment.practice), scopes_disabled():
        return Comparison.objects.filter(assignment=new.assignment).first()


def in_status(new: NewAssignment, status: str) -> Comparison | None:
    comparison = comparison_of(new)
    return comparison if comparison and comparison.status == status else None


def done(new: NewAssignment) -> Comparison | None:
    return in_status(new, Comparison.Status.DONE)


@pytest.fixture
def fast_retries() -> Iterator[None]:
    with override_settings(COMPARISON_RETRY_BASE_SECONDS=0.05):
        yield


def test_when_both_partners_submit_the_comparison_is_computed_in_the_background(
    celery_worker: Any, assignment: NewAssignment
) -> None:
    submit(assignment.assignment, "a")
    assert comparison_of(assignment) is None

    submit(assignment.assignment, "b")
    comparison = wait_for(lambda: done(assignment))

    assert comparison.attempts == 1
    assert comparison.algorithm_version == scoring.ALGORITHM_VERSION
    assert comparison.overall_index == 0
    assert comparison.overall_band == "balanced"
    assert comparison.result is not None
    assert len(comparison.result["areas"]) == 9


def test_the_same_job_delivered_three_times_makes_one_comparison(
    celery_worker: Any, assignment: NewAssignment
) -> None:
    submit(assignment.assignment, "a")
    submit(assignment.assignment, "b")
    first = wait_for(lambda: done(assignment))

    for _ in range(2):
        run_comparison.delay(first.practice_id, first.pk)
    # A marker task behind the duplicates: once it ran, the solo worker has handled them.
    assert ping.delay("after-duplicates").get(timeout=30) == "pong:after-duplicates"

    with scope(practice=assignment.assignment.practice), scopes_disabled():
        rows = list(Comparison.objects.filter(assignment=assignment.assignment))
    assert len(rows) == 1
    assert rows[0].attempts == 1
    assert rows[0].finished_at == first.finished_at


def test_a_transient_database_error_is_retried_and_the_job_completes(
    celery_worker: Any, assignment: NewAssignment, fast_retries: None
) -> None:
    failures: list[int] = []

    def fail_once(comparison_id: int) -> None:
        if not failures:
            failures.append(comparison_id)
            raise OperationalError("server closed the connection unexpectedly")

    remove = job_hooks.register("before-compute", fail_once)
    try:
        submit(assignment.assignment, "a")
        submit(assignment.assignment, "b")
        comparison = wait_for(lambda: done(assignment))
    finally:
        remove()

    assert failures == [comparison.pk]
    assert comparison.attempts == 2
    assert comparison.last_error == ""


def test_a_job_that_always_fails_stops_as_failed_and_a_retry_completes_it(
    celery_worker: Any, assignment: NewAssignment, fast_retries: None
) -> None:
    def always_fail(comparison_id: int) -> None:
        raise OperationalError("database is unavailable")

    remove = job_hooks.register("before-compute", always_fail)
    try:
        submit(assignment.assignment, "a")
        submit(assignment.assignment, "b")
        failed = wait_for(lambda: in_status(assignment, Comparison.Status.FAILED))
    finally:
        remove()

    assert failed.attempts == comparisons.MAX_ATTEMPTS
    assert "database is unavailable" in failed.last_error

    with scope(practice=failed.practice):
        comparisons.comparison_retry(comparison=failed)
    retried = wait_for(lambda: done(assignment))
    assert retried.attempts == 1
    assert retried.last_error == ""


def test_the_reconciler_completes_work_lost_with_the_broker_queue(
    celery_worker: Any, assignment: NewAssignment
) -> None:
    # Both partners submitted but the request for a comparison never reached the broker
    # (a crashed web process, or a flushed Redis).
    answer_all(assignment.assignment, "a")
    answer_all(assignment.assignment, "b")
    with scope(practice=assignment.assignment.practice), scopes_disabled():
        Response.objects.filter(assignment=assignment.assignment).update(
            submitted_at=timezone.now()
        )
    celery_app.control.purge()
    assert comparison_of(assignment) is None

    report = reconcile_comparisons.apply().get()

    assert report == {"requeued": 0, "created": 1}
    assert wait_for(lambda: done(assignment)).attempts == 1


def test_the_reconciler_requeues_a_comparison_whose_message_was_purged(
    celery_worker: Any, assignment: NewAssignment
) -> None:
    a = answer_all(assignment.assignment, "a")
    b = answer_all(assignment.assignment, "b")
    with scope(practice=assignment.assignment.practice), scopes_disabled():
        Response.objects.filter(pk__in=[a.pk, b.pk]).update(submitted_at=timezone.now())
        Comparison.objects.create(
            practice=assignment.assignment.practice,
            assignment=assignment.assignment,
            response_a=a,
            response_b=b,
            queued_at=timezone.now() - timedelta(hours=1),
        )
    celery_app.control.purge()

    report = reconcile_comparisons.apply().get()

    assert report == {"requeued": 1, "created": 0}
    assert wait_for(lambda: done(assignment)).attempts == 1


def _worker_env(hold_file: Path | None) -> dict[str, str]:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        database_url = f"sqlite:///{db['NAME']}"
    else:
        database_url = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop(job_hooks.HOLD_FILE_ENV, None)
    if settings.REDIS_URL:
        env["REDIS_URL"] = celery_app.conf.broker_url
    if hold_file is not None:
        env[job_hooks.HOLD_FILE_ENV] = str(hold_file)
    return env


def _start_worker(queue: str, hold_file: Path | None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "practice", "worker", "-Q", queue,
         "--pool", "prefork", "--concurrency", "1", "--loglevel", "WARNING",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"{queue}@%h"],
        cwd=settings.BASE_DIR,
        env=_worker_env(hold_file),
    )  # fmt: skip


def test_a_worker_process_killed_mid_job_leaves_the_job_to_run_again_exactly_once(
    assignment: NewAssignment, tmp_path: Path
) -> None:
    a = answer_all(assignment.assignment, "a")
    b = answer_all(assignment.assignment, "b")
    with scope(practice=assignment.assignment.practice), scopes_disabled():
        Response.objects.filter(pk__in=[a.pk, b.pk]).update(submitted_at=timezone.now())
        comparison = Comparison.objects.create(
            practice=assignment.assignment.practice,
            assignment=assignment.assignment,
            response_a=a,
            response_b=b,
            queued_at=timezone.now(),
        )
    hold_file = tmp_path / "hold"
    hold_file.touch()
    # Named after this test process's own queue, so parallel test processes never share it.
    queue = f"{celery_app.conf.task_default_queue}-kill-test"
    worker = _start_worker(queue, hold_file)
    try:
        run_comparison.apply_async(args=(comparison.practice_id, comparison.pk), queue=queue)
        pid_file = hold_file.with_suffix(".pid")
        wait_for(pid_file.exists, timeout=60)
        running = comparison_of(assignment)
        assert running is not None
        assert running.status == Comparison.Status.RUNNING

        os.kill(int(pid_file.read_text()), signal.SIGKILL)
        hold_file.unlink()

        finished = wait_for(lambda: done(assignment), timeout=60)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)

    with scope(practice=assignment.assignment.practice), scopes_disabled():
        assert Comparison.objects.filter(assignment=assignment.assignment).count() == 1
    assert finished.attempts == 2
