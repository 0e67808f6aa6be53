"""Practice dashboard aggregates with 100,000 responses: the server time of
`practice.dashboard`'s selectors, called in-process against a practice seeded for it
(10,000 couples x 5 assignments x 2 partners, some couples archived and some assignments still
being answered)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from bench import common
from bench.common import Bench, Part

GOAL_MS = 200.0
REPEAT = 7


def _timed(call: Callable[[], Any], repeat: int) -> list[float]:
    call()  # warm: plans cached, pages in shared buffers
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _bound(call: Callable[[Any], Any], selector: Any) -> Callable[[], Any]:
    return lambda: call(selector)


def run(bench: Bench) -> Part:
    common.setup_django(bench)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from assessments.dashboard import selectors as dashboard
    from assessments.models import Assignment, Response
    from clients.models import Couple
    from practice.models import Membership, Practice

    load = common.load_average()
    seed_report = None
    if not common.practice_exists(common.DASH_SLUG):
        seed_report = common.seed(bench, common.DASH_SLUG)
    practice = Practice.objects.get(slug=common.DASH_SLUG)
    repeat = REPEAT if not bench.smoke else 2
    with common.scoped(practice):
        viewer = Membership.objects.get(practice=practice, is_admin=True)
        responses = Response.objects.filter(practice=practice).count()
        assignments = Assignment.objects.filter(practice=practice).count()
        couples = Couple.objects.filter(practice=practice).count()
        now = timezone.now()
        with CaptureQueriesContext(connection) as captured:
            dashboard.practice_dashboard(practice, viewer, now=now)
        queries = len(captured.captured_queries)
        whole = _timed(lambda: dashboard.practice_dashboard(practice, viewer, now=now), repeat)
        parts: dict[str, list[float]] = {}
        # Each selector alone, where the module has it (it is still growing).
        calls: dict[str, Callable[[Any], Any]] = {
            "_assignment_counts": lambda f: f(practice, now.date()),
            "latest_comparisons": lambda f: f(practice),
            "counsellor_workloads": lambda f: f(practice, viewer),
            "index_trend": lambda f: f(practice, now=now),
        }
        for name, call in calls.items():
            selector = getattr(dashboard, name, None)
            if selector is not None:
                parts[name] = _timed(_bound(call, selector), repeat)
        charts = _timed(
            lambda: dashboard.chart_views(dashboard.practice_dashboard(practice, viewer, now=now)),
            max(1, repeat // 2),
        )
    median = statistics.median(whole)
    bench.log(f"dashboard: median {median:.0f} ms over {responses:,} responses, {queries} queries")
    rows = [
        (
            f"`{name}`",
            f"{statistics.median(times):.1f}",
            f"{min(times):.1f}",
            f"{max(times):.1f}",
        )
        for name, times in parts.items()
    ]
    rows.append(
        (
            "**`practice_dashboard()` (all of it)**",
            f"**{median:.1f}**",
            f"{min(whole):.1f}",
            f"{max(whole):.1f}",
        )
    )
    rows.append(
        (
            "`practice_dashboard()` + `chart_views()` (figures)",
            f"{statistics.median(charts):.1f}",
            f"{min(charts):.1f}",
            f"{max(charts):.1f}",
        )
    )
    seeded = (
        f" Seeded in this run: {seed_report.total_rows:,} rows in {seed_report.seconds:.0f} s."
        if seed_report is not None
        else ""
    )
    body = "\n\n".join(
        [
            f"Practice `{common.DASH_SLUG}`: {couples:,} couples, {assignments:,} assignments, "
            f"**{responses:,} responses**. In-process, warm (one call first), {repeat} timed calls "
            f"each; {queries} SQL queries for the whole dashboard.{seeded}",
            common.table(["selector", "median ms", "min ms", "max ms"], rows),
        ]
    )
    # The goal is stated for 100,000 responses; a smoke run has far fewer.
    return Part(
        name="dashboard",
        title="Practice dashboard aggregates",
        body=body,
        headline=[
            (
                f"dashboard aggregates, {responses:,} responses (median of {repeat})",
                f"< {GOAL_MS:.0f} ms with 100,000 responses",
                f"{median:.0f} ms ({queries} queries)",
                common.verdict(median < GOAL_MS),
            )
        ],
        data={
            "load_average": load,
            "responses": responses,
            "assignments": assignments,
            "couples": couples,
            "queries": queries,
            "median_ms": median,
            "parts_ms": {name: statistics.median(times) for name, times in parts.items()},
            "seed_seconds": seed_report.seconds if seed_report else None,
        },
    )


if __name__ == "__main__":
    common.run_standalone("dashboard", run)
