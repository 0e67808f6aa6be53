"""Comparison throughput through a real Celery worker on Redis, against a no-op task on the same
broker and worker: the queue's own cost is the floor.

A real `celery worker` (prefork, 2 processes) starts on an idle queue. Each round puts N tasks
on a dedicated queue while nobody consumes it, then tells the worker to consume that queue and
times until all N are finished: no-ops (`practice.tasks.ping`, whose result lands in the Redis
result backend, counted there) or `run_comparison` for N pending comparison rows (counted in the
database). Rounds alternate so both kinds see the same machine noise.

Before the worker runs, the job is profiled in-process: queries per job, time per job, and where
that time goes.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any

from bench import common
from bench.common import Bench, Part

QUEUE = "bench-jobs"
IDLE_QUEUE = "bench-idle"
CONCURRENCY = 2
GOAL_QUERIES = 4


def _done_comparisons(practice: Any) -> Any:
    from assessments.models import Comparison

    return Comparison.objects.filter(practice=practice, status=Comparison.Status.DONE)


def make_pending(practice: Any, count: int, *, skip: int = 0) -> list[int]:
    """Turns `count` done comparisons back into fresh pending rows, as `comparison_request`
    leaves them, so a job computes each from scratch."""
    from django.utils import timezone

    from assessments.models import Comparison

    with common.scoped(practice):
        ids = list(
            _done_comparisons(practice)
            .order_by("pk")
            .values_list("pk", flat=True)[skip : skip + count]
        )
        Comparison.objects.filter(pk__in=ids).update(
            status=Comparison.Status.PENDING,
            attempts=0,
            last_error="",
            algorithm_version="",
            params_hash="",
            result=None,
            overall_index=None,
            overall_band="",
            top_area="",
            safety_level="",
            queued_at=timezone.now(),
            started_at=None,
            finished_at=None,
        )
    if len(ids) < count:
        raise RuntimeError(f"only {len(ids)} done comparisons to reuse, {count} needed")
    return ids


def _unfinished(practice: Any, ids: list[int]) -> int:
    from assessments.models import Comparison

    with common.scoped(practice):
        return Comparison.objects.filter(
            pk__in=ids, status__in=[Comparison.Status.PENDING, Comparison.Status.RUNNING]
        ).count()


def _failed(practice: Any, ids: list[int]) -> int:
    from assessments.models import Comparison

    with common.scoped(practice):
        return Comparison.objects.filter(pk__in=ids, status=Comparison.Status.FAILED).count()


# In-process profile -----------------------------------------------------------------------------


def profile_job(bench: Bench, practice: Any) -> dict[str, Any]:
    """Runs the task body in this process (no broker): queries per job, ms per job, and the
    cost of its parts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessments.comparisons import services as comparisons
    from assessments.comparisons.tasks import run_comparison
    from assessments.engine import scoring
    from assessments.models import Comparison, InstrumentVersion

    n = bench.sizes.profile_jobs
    ids = make_pending(practice, n + 1)
    # Like the worker: the first job of a process pays for imports and caches.
    run_comparison.apply(args=(practice.pk, ids[0]))
    with CaptureQueriesContext(connection) as captured:
        run_comparison.apply(args=(practice.pk, ids[1]))
    queries = [q["sql"] for q in captured.captured_queries]
    started = time.perf_counter()
    for pk in ids[2:]:
        run_comparison.apply(args=(practice.pk, pk))
    per_job = (time.perf_counter() - started) / max(1, len(ids) - 2) * 1000

    # The parts of a job, each timed alone.
    with common.scoped(practice):
        rows = list(
            Comparison.objects.filter(pk__in=ids)
            .select_related("assignment__instrument_version", "response_a", "response_b")
            .order_by("pk")
        )
        context = comparisons.ScoringContext.load()
        version = rows[0].assignment.instrument_version
        parts = {
            "ScoringContext.load()": _ms(comparisons.ScoringContext.load, 50),
            "InstrumentVersion row -> InstrumentDef (uncached)": _ms(
                lambda: InstrumentVersion.objects.get(pk=version.pk).as_definition(), 50
            ),
            "scoring.compare()": _ms(
                lambda: [
                    scoring.compare(
                        r.assignment.instrument_version.as_definition(),
                        r.response_a.answers,
                        r.response_b.answers,
                        context.topics,
                    )
                    for r in rows[:50]
                ],
                1,
            )
            / min(50, len(rows)),
            "result.to_dict()": _ms(
                lambda: scoring.compare(
                    version.as_definition(),
                    rows[0].response_a.answers,
                    rows[0].response_b.answers,
                    context.topics,
                ).to_dict(),
                50,
            )
            - _ms(
                lambda: scoring.compare(
                    version.as_definition(),
                    rows[0].response_a.answers,
                    rows[0].response_b.answers,
                    context.topics,
                ),
                50,
            ),
        }

    def reconnect() -> None:
        connection.close()
        connection.ensure_connection()

    parts["new PostgreSQL connection (what the shipped worker pays per task)"] = _ms(reconnect, 20)
    profiler = cProfile.Profile()
    more = make_pending(practice, min(100, n), skip=0)
    profiler.enable()
    for pk in more:
        run_comparison.apply(args=(practice.pk, pk))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(18)
    return {
        "queries_per_job": len(queries),
        "queries": queries,
        "ms_per_job_in_process": per_job,
        "parts_ms": parts,
        "cprofile": _trim_profile(out.getvalue()),
    }


def _ms(call: Callable[[], Any], repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        call()
    return (time.perf_counter() - started) / repeat * 1000


def _trim_profile(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    root = str(common.ROOT) + "/"
    return "\n".join(line.replace(root, "") for line in lines[start:])


# The worker ----------------------------------------------------------------------------------


class Worker:
    def __init__(self, bench: Bench, app_module: str, queues: str = IDLE_QUEUE) -> None:
        self.bench = bench
        self.app_module = app_module
        self.queues = queues
        self.name = f"bench-{os.getpid()}-{app_module.replace('.', '-')}@localhost"
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = common.ROOT / "var" / "bench-worker.log"

    def __enter__(self) -> Worker:
        from practice.celery import app

        cmd = [
            common.PYTHON, "-m", "celery", "-A", self.app_module, "worker", "--pool", "prefork",
            "--concurrency", str(CONCURRENCY), "--queues", self.queues, "--hostname", self.name,
            "--loglevel", "WARNING",
        ]  # fmt: skip
        self.log_path.parent.mkdir(exist_ok=True)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            cmd,
            cwd=common.ROOT,
            env={**os.environ, **self.bench.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        ready = common.wait_until(
            lambda: bool(app.control.ping(destination=[self.name], timeout=0.5)),
            timeout=60,
            interval=0.2,
        )
        if not ready:
            self.__exit__(None, None, None)
            raise RuntimeError(f"the bench worker did not start; see {self.log_path}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def timed(self, enqueue: Callable[[], None], unfinished: Callable[[], int], n: int) -> float:
        """Seconds from the worker being told to consume the filled queue to all N done."""
        from practice.celery import app

        enqueue()
        started = time.perf_counter()
        app.control.add_consumer(QUEUE, destination=[self.name], reply=True, timeout=5)
        finished = common.wait_until(lambda: unfinished() == 0, timeout=60 + n / 10, interval=0.05)
        elapsed = time.perf_counter() - started
        app.control.cancel_consumer(QUEUE, destination=[self.name], reply=True, timeout=5)
        if not finished:
            raise RuntimeError(f"{unfinished()} of {n} tasks unfinished; see {self.log_path}")
        return elapsed


def noop_round(worker: Worker, n: int) -> float:
    from practice.tasks import ping

    redis = common.redis_client()
    ids: list[str] = []

    def enqueue() -> None:
        for i in range(n):
            ids.append(ping.apply_async(args=(str(i),), queue=QUEUE).id)

    keys: list[str] = []

    def unfinished() -> int:
        if not keys:
            keys.extend(f"celery-task-meta-{task_id}" for task_id in ids)
        return n - int(redis.exists(*keys))

    elapsed = worker.timed(enqueue, unfinished, n)
    redis.delete(*keys)
    return elapsed


def comparison_round(worker: Worker, practice: Any, ids: list[int]) -> tuple[float, int]:
    from assessments.comparisons.tasks import run_comparison

    def enqueue() -> None:
        for pk in ids:
            run_comparison.apply_async(args=(practice.pk, pk), queue=QUEUE)

    elapsed = worker.timed(enqueue, lambda: _unfinished(practice, ids), len(ids))
    return elapsed, _failed(practice, ids)


VARIANTS = (
    # As shipped: the worker keeps its database connection between tasks (practice/celery.py).
    ("shipped", "practice.celery"),
)


def measure(
    bench: Bench, practice: Any, app_module: str, jobs: int, offset: int
) -> list[dict[str, float]]:
    rounds: list[dict[str, float]] = []
    with Worker(bench, app_module) as worker:
        bench.log(f"worker {worker.name} up; warming up")
        noop_round(worker, 4 * CONCURRENCY)
        comparison_round(worker, practice, make_pending(practice, 4 * CONCURRENCY))
        for r in range(bench.sizes.rounds):
            noop = noop_round(worker, jobs)
            ids = make_pending(practice, jobs, skip=offset + r * jobs)
            comp, failed = comparison_round(worker, practice, ids)
            rounds.append(
                {"noop_per_s": jobs / noop, "comparison_per_s": jobs / comp, "failed": failed}
            )
            bench.log(
                f"  round {r + 1}: no-op {jobs / noop:,.0f}/s, comparisons {jobs / comp:,.0f}/s"
            )
    return rounds


def _mean(rounds: list[dict[str, float]], key: str) -> float:
    return sum(r[key] for r in rounds) / len(rounds)


def run(bench: Bench) -> Part:
    common.setup_django(bench)
    load = common.load_average()
    practice = common.main_practice(bench)
    s = bench.sizes
    bench.log("profiling the comparison job in-process")
    profile = profile_job(bench, practice)
    bench.log(
        f"  {profile['queries_per_job']} queries/job, {profile['ms_per_job_in_process']:.2f} ms/job"
    )
    results: dict[str, list[dict[str, float]]] = {}
    offset = 0
    for variant, module in VARIANTS:
        jobs = s.jobs
        bench.log(f"variant: {variant} ({jobs:,} tasks of each kind per round)")
        results[variant] = measure(bench, practice, module, jobs, offset)
        offset += jobs * s.rounds
    rows = []
    summary: dict[str, dict[str, float]] = {}
    for variant, rounds in results.items():
        for i, r in enumerate(rounds):
            rows.append((variant, f"round {i + 1}", f"{r['noop_per_s']:,.0f}",
                         f"{r['comparison_per_s']:,.0f}",
                         f"{r['comparison_per_s'] / r['noop_per_s']:.2f}"))  # fmt: skip
        noop_rate, comp_rate = _mean(rounds, "noop_per_s"), _mean(rounds, "comparison_per_s")
        summary[variant] = {
            "noop_per_s": noop_rate,
            "comparison_per_s": comp_rate,
            "ratio": comp_rate / noop_rate,
            "failed": sum(r["failed"] for r in rounds),
        }
        rows.append((f"**{variant}**", "**mean**", f"{noop_rate:,.0f}", f"{comp_rate:,.0f}",
                     f"**{comp_rate / noop_rate:.2f}**"))  # fmt: skip
    failures = sum(v["failed"] for v in summary.values())
    parts = "\n".join(f"| {name} | {ms:.3f} |" for name, ms in profile["parts_ms"].items())
    queries = "\n".join(f"{i + 1}. `{_short(sql)}`" for i, sql in enumerate(profile["queries"]))
    body = "\n\n".join(
        [
            f"Worker: `celery -A <app> worker --pool prefork --concurrency {CONCURRENCY}` on "
            f"Redis db {common.REDIS_DB}, {s.rounds} rounds per worker, each queue filled before "
            "the worker starts consuming it. No-op: `practice.tasks.ping` (stores its result in "
            "the Redis result backend, where its completion is counted); comparison: "
            "`assessments.tasks.run_comparison` on a pending row (completion counted in the "
            "database). The worker is the shipped app (`practice.celery`), which keeps its "
            "database connection between tasks (Celery's Django fix-up would otherwise close it "
            "before and after every task; CONN_MAX_AGE and CONN_HEALTH_CHECKS decide instead, "
            f"as for a web request). Failed comparisons: {failures}.",
            common.table(["worker", "round", "no-op tasks/s", "comparisons/s", "ratio"], rows),
            f"In-process (no broker, connection kept): **{profile['ms_per_job_in_process']:.2f} "
            f"ms per job**, **{profile['queries_per_job']} SQL queries per job** (plus one "
            "connection health check query per task in the worker when it keeps its "
            "connection, from CONN_HEALTH_CHECKS, which Django does not log):",
            queries,
            "Parts of a job, each timed alone (ms):\n\n| part | ms |\n|---|---|\n" + parts,
            "Profile of 100 jobs in-process (cumulative):\n\n```\n" + profile["cprofile"] + "\n```",
        ]
    )
    shipped = summary[VARIANTS[0][0]]
    return Part(
        name="throughput",
        title="Comparison throughput",
        body=body,
        headline=[
            (
                "comparisons/s ÷ no-op tasks/s, same worker (2 processes) and Redis, as shipped",
                ">= 0.5",
                f"{shipped['ratio']:.2f} ({shipped['comparison_per_s']:,.0f}/s vs "
                f"{shipped['noop_per_s']:,.0f}/s)",
                common.verdict(shipped["ratio"] >= 0.5),
            ),
            (
                "queries per comparison job",
                f"<= {GOAL_QUERIES}",
                f"{profile['queries_per_job']} (+1 health check)",
                common.verdict(profile["queries_per_job"] <= GOAL_QUERIES),
            ),
        ],
        data={
            "load_average": load,
            "rounds": results,
            "summary": summary,
            "queries_per_job": profile["queries_per_job"],
            "ms_per_job_in_process": profile["ms_per_job_in_process"],
            "parts_ms": profile["parts_ms"],
        },
    )


def _short(sql: str, limit: int = 160) -> str:
    sql = " ".join(sql.split()).replace("`", "'")
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"


if __name__ == "__main__":
    common.run_standalone("throughput", run)
