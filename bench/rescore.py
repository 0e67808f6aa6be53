"""Re-scoring a whole practice after an algorithm change: every done comparison is marked as
scored by an older algorithm, then the re-scoring is fanned out as batch jobs
(`rescoring.rescore_start`) to a real Celery worker with the bench's worker processes, timed
from the start until its RescoreRun records the end."""

from __future__ import annotations

import time

from bench import common
from bench.common import Bench, Part
from bench.throughput import CONCURRENCY, Worker

GOAL_SECONDS = 20.0
OLD_ALGORITHM = "0.9-bench"


def run(bench: Bench) -> Part:
    common.setup_django(bench)
    from assessments.comparisons import rescoring
    from assessments.models import Comparison, ComparisonHistory, RescoreRun
    from clients.models import Couple
    from practice.celery import app

    load = common.load_average()
    practice = common.main_practice(bench)
    with common.scoped(practice):
        done = Comparison.objects.filter(practice=practice, status=Comparison.Status.DONE)
        stale = done.update(algorithm_version=OLD_ALGORITHM)
        couples = Couple.objects.filter(practice=practice).count()
        history_before = ComparisonHistory.objects.filter(practice=practice).count()
    bench.log(f"re-scoring {stale:,} comparisons of {couples:,} couples")
    progress: list[str] = []
    with (
        Worker(bench, "practice.celery", queues=app.conf.task_default_queue),
        common.scoped(practice),
    ):
        started = time.perf_counter()
        record = rescoring.rescore_start(practice=practice)
        while record.finished_at is None:
            time.sleep(0.25)
            record = RescoreRun.objects.get(pk=record.pk)
            line = rescoring.progress(record)
            if not progress or time.perf_counter() - started > len(progress):
                progress.append(line)  # about one line a second
                bench.log(f"  {line}")
        seconds = time.perf_counter() - started
    with common.scoped(practice):
        history = ComparisonHistory.objects.filter(practice=practice).count() - history_before
        left = done.filter(algorithm_version=OLD_ALGORITHM).count()
    bench.log(f"  {rescoring.progress(record)}; {seconds:.1f} s wall")
    # Scaled to the goal's 10,000 couples when the smoke run seeds fewer.
    per_10k = seconds * 10_000 / max(couples, 1)
    rows = [
        ("couples", f"{couples:,}"),
        ("comparisons listed / re-scored / failed", f"{record.total:,} / {record.rescored:,} / "
         f"{record.failed:,}"),
        ("batch jobs", f"{record.batches_total:,} of {rescoring.BATCH_SIZE}"),
        ("history rows written", f"{history:,}"),
        ("left stale", f"{left:,}"),
        ("wall time (start to the run's recorded end)", f"**{seconds:.1f} s**"),
        ("comparisons re-scored per second", f"{record.rescored / seconds:,.0f}"),
        ("couples per second", f"{couples / seconds:,.0f}"),
    ]  # fmt: skip
    body = (
        f"All done comparisons marked `algorithm_version='{OLD_ALGORITHM}'`, then "
        "`rescoring.rescore_start(practice=...)` fans the re-scoring out as batch jobs to "
        f"`celery worker --pool prefork --concurrency {CONCURRENCY}`; the wall time runs until "
        "the RescoreRun records its end (the equivalent command, which prints the same "
        "progress, is `python manage.py rescore bench`).\n\n"
        + common.table(["", ""], rows)
        + "\n\nProgress as displayed:\n\n```\n"
        + "\n".join(progress[:5] + (["..."] if len(progress) > 6 else []) + progress[-1:])
        + "\n```"
    )
    return Part(
        name="rescore",
        title="Re-scoring a whole practice",
        body=body,
        headline=[
            (
                f"re-score {couples:,} couples ({record.rescored:,} comparisons), fanned out "
                f"to {CONCURRENCY} worker processes",
                f"< {GOAL_SECONDS:.0f} s for 10,000 couples, with a progress display",
                f"{seconds:.1f} s ({record.rescored / seconds:,.0f} rows/s)",
                common.verdict(per_10k < GOAL_SECONDS and left == 0 and history == stale),
            )
        ],
        data={
            "load_average": load,
            "couples": couples,
            "examined": record.done,
            "rescored": record.rescored,
            "failed": record.failed,
            "seconds": seconds,
            "rows_per_s": record.rescored / seconds,
            "history": history,
            "left_stale": left,
        },
    )


if __name__ == "__main__":
    common.run_standalone("rescore", run)
