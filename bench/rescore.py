"""Re-scoring a whole practice after an algorithm change: every done comparison is marked as
scored by an older algorithm, then `comparisons.rescore` re-scores them in batches."""

from __future__ import annotations

import time

from bench import common
from bench.common import Bench, Part

GOAL_SECONDS = 60.0
OLD_ALGORITHM = "0.9-bench"


def run(bench: Bench) -> Part:
    common.setup_django(bench)
    from django.db import connection

    from assessments.comparisons import services as comparisons
    from assessments.models import Comparison, ComparisonHistory
    from clients.models import Couple

    load = common.load_average()
    practice = common.main_practice(bench)
    with common.scoped(practice):
        done = Comparison.objects.filter(practice=practice, status=Comparison.Status.DONE)
        stale = done.update(algorithm_version=OLD_ALGORITHM)
        couples = Couple.objects.filter(practice=practice).count()
        history_before = ComparisonHistory.objects.filter(practice=practice).count()
        bench.log(f"re-scoring {stale:,} comparisons of {couples:,} couples")
        # Counts statements without Django's debug cursor, which would format each one.
        statements = [0]

        def count(execute, sql, params, many, context):
            statements[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            report = comparisons.rescore(practice=practice)
            seconds = time.perf_counter() - started
        history = ComparisonHistory.objects.filter(practice=practice).count() - history_before
        left = done.filter(algorithm_version=OLD_ALGORITHM).count()
    bench.log(f"  {seconds:.1f} s, {report.rescored / seconds:,.0f} rows/s")
    # Scaled to the goal's 10,000 couples when the smoke run seeds fewer.
    per_10k = seconds * 10_000 / max(couples, 1)
    rows = [
        ("couples", f"{couples:,}"),
        ("comparisons examined / re-scored", f"{report.examined:,} / {report.rescored:,}"),
        ("history rows written", f"{history:,}"),
        ("left stale", f"{left:,}"),
        ("SQL statements", f"{statements[0]:,}"),
        ("wall time", f"**{seconds:.1f} s**"),
        ("comparisons re-scored per second", f"{report.rescored / seconds:,.0f}"),
        ("couples per second", f"{couples / seconds:,.0f}"),
    ]
    body = (
        f"All done comparisons marked `algorithm_version='{OLD_ALGORITHM}'`, then "
        "`comparisons.rescore(practice=...)` (batches of 500, one transaction each, in this "
        "single process; the equivalent command is `python manage.py rescore bench`).\n\n"
        + common.table(["", ""], rows)
    )
    return Part(
        name="rescore",
        title="Re-scoring a whole practice",
        body=body,
        headline=[
            (
                f"re-score {couples:,} couples ({report.rescored:,} comparisons)",
                f"< {GOAL_SECONDS:.0f} s for 10,000 couples",
                f"{seconds:.1f} s ({report.rescored / seconds:,.0f} rows/s)",
                common.verdict(per_10k < GOAL_SECONDS),
            )
        ],
        data={
            "load_average": load,
            "couples": couples,
            "examined": report.examined,
            "rescored": report.rescored,
            "seconds": seconds,
            "rows_per_s": report.rescored / seconds,
            "queries": statements[0],
            "left_stale": left,
        },
    )


if __name__ == "__main__":
    common.run_standalone("rescore", run)
