"""Practice dashboard aggregates at 100,000 and at 20,000 responses: the server time of
`assessments.dashboard`'s selectors, called in-process against two practices seeded for it.

Both have the same 10,000 couples and 100 counsellors (some couples archived, some assignments
still being answered); they differ only in history: 5 assessments per couple (100,000
responses) against 1 (20,000). The goal is a dashboard whose cost does not grow with history,
so the ratio of the two times is reported beside the time at 100,000.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import common
from bench.common import Bench, Part

GOAL_MS = 100.0
GOAL_RATIO = 1.5
REPEAT = 7
SHORT_SLUG = f"{common.DASH_SLUG}-20k"


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


def _seed_short(bench: Bench) -> Any:
    """The same couples as the dashboard practice, with one assessment each."""
    from assessments.scale_seed import seed_scale

    s = bench.sizes
    kwargs: dict[str, Any] = {
        "couples": s.dash_couples,
        "counsellors": s.counsellors,
        "assignments_per_couple": 1,
        "incomplete": 0.15,
        "archived": 0.05,
        # Not the other practice's seed: invitation tokens come from it, and are unique.
        "seed": 8,
    }
    bench.log(f"seeding {SHORT_SLUG}: {kwargs}")
    report = seed_scale(slug=SHORT_SLUG, **kwargs)
    bench.log(f"seeded {SHORT_SLUG}: {report.total_rows:,} rows in {report.seconds:.1f} s")
    return report


@dataclass
class Measured:
    slug: str
    responses: int
    assignments: int
    couples: int
    queries: int
    whole: list[float]
    parts: dict[str, list[float]]
    charts: list[float]
    seed_seconds: float | None

    @property
    def median(self) -> float:
        return statistics.median(self.whole)


def _measure(bench: Bench, slug: str, seed: Callable[[], Any], repeat: int) -> Measured:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from assessments.dashboard import selectors as dashboard
    from assessments.models import Assignment, Response
    from clients.models import Couple
    from practice.models import Membership, Practice

    seed_report = None if common.practice_exists(slug) else seed()
    practice = Practice.objects.get(slug=slug)
    with common.scoped(practice):
        viewer = Membership.objects.get(practice=practice, is_admin=True)
        now = timezone.now()
        with CaptureQueriesContext(connection) as captured:
            dashboard.practice_dashboard(practice, viewer, now=now)
        whole = _timed(lambda: dashboard.practice_dashboard(practice, viewer, now=now), repeat)
        parts: dict[str, list[float]] = {}
        # Each selector alone, where the module has it.
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
        return Measured(
            slug=slug,
            responses=Response.objects.filter(practice=practice).count(),
            assignments=Assignment.objects.filter(practice=practice).count(),
            couples=Couple.objects.filter(practice=practice).count(),
            queries=len(captured.captured_queries),
            whole=whole,
            parts=parts,
            charts=charts,
            seed_seconds=seed_report.seconds if seed_report else None,
        )


def _rows(m: Measured) -> list[tuple[str, ...]]:
    def cells(times: list[float]) -> tuple[str, str, str]:
        return f"{statistics.median(times):.1f}", f"{min(times):.1f}", f"{max(times):.1f}"

    rows: list[tuple[str, ...]] = [(f"`{name}`", *cells(times)) for name, times in m.parts.items()]
    median, low, high = cells(m.whole)
    rows.append(("**`practice_dashboard()` (all of it)**", f"**{median}**", low, high))
    rows.append(("`practice_dashboard()` + `chart_views()` (figures)", *cells(m.charts)))
    return rows


def run(bench: Bench) -> Part:
    common.setup_django(bench)
    load = common.load_average()
    repeat = REPEAT if not bench.smoke else 2
    long = _measure(bench, common.DASH_SLUG, lambda: common.seed(bench, common.DASH_SLUG), repeat)
    short = _measure(bench, SHORT_SLUG, lambda: _seed_short(bench), repeat)
    ratio = long.median / short.median if short.median else float("inf")
    bench.log(
        f"dashboard: median {long.median:.1f} ms over {long.responses:,} responses, "
        f"{short.median:.1f} ms over {short.responses:,} ({ratio:.2f}x), {long.queries} queries"
    )
    sections = []
    for m in (long, short):
        seeded = f" Seeded in this run in {m.seed_seconds:.0f} s." if m.seed_seconds else ""
        sections += [
            f"Practice `{m.slug}`: {m.couples:,} couples, {m.assignments:,} assignments, "
            f"**{m.responses:,} responses**. In-process, warm (one call first), {repeat} timed "
            f"calls each; {m.queries} SQL queries for the whole dashboard.{seeded}",
            common.table(["selector", "median ms", "min ms", "max ms"], _rows(m)),
        ]
    sections.append(
        f"Time at {long.responses:,} responses ÷ time at {short.responses:,} (same couples, "
        f"five times the history): **{ratio:.2f}**."
    )
    # The goals are stated for 100,000 and 20,000 responses; a smoke run has far fewer.
    return Part(
        name="dashboard",
        title="Practice dashboard aggregates",
        body="\n\n".join(sections),
        headline=[
            (
                f"dashboard aggregates, {long.responses:,} responses (median of {repeat})",
                f"< {GOAL_MS:.0f} ms with 100,000 responses",
                f"{long.median:.0f} ms ({long.queries} queries)",
                common.verdict(long.median < GOAL_MS),
            ),
            (
                f"dashboard time at {long.responses:,} ÷ at {short.responses:,} responses",
                f"<= {GOAL_RATIO} (cost does not grow with history)",
                f"{ratio:.2f} ({long.median:.1f} ms ÷ {short.median:.1f} ms)",
                common.verdict(ratio <= GOAL_RATIO),
            ),
        ],
        data={
            "load_average": load,
            "responses": long.responses,
            "assignments": long.assignments,
            "couples": long.couples,
            "queries": long.queries,
            "median_ms": long.median,
            "parts_ms": {name: statistics.median(times) for name, times in long.parts.items()},
            "seed_seconds": long.seed_seconds,
            "short": {
                "responses": short.responses,
                "assignments": short.assignments,
                "median_ms": short.median,
                "parts_ms": {name: statistics.median(t) for name, t in short.parts.items()},
                "seed_seconds": short.seed_seconds,
            },
            "ratio": ratio,
        },
    )


if __name__ == "__main__":
    common.run_standalone("dashboard", run)
