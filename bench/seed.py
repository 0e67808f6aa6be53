"""Seeding at scale: how long `seed_scale` takes to build the bench practice with bulk inserts."""

from __future__ import annotations

import subprocess
import time

from bench import common
from bench.common import Bench, Part


def run(bench: Bench) -> Part:
    common.setup_django(bench)
    load = common.load_average()
    if common.practice_exists(common.SLUG):
        # A seeding time only means something on a fresh database.
        common.prepare_database(bench, recreate=True)
    s = bench.sizes
    report = common.seed(bench, common.SLUG)

    # The command line itself, at a tiny size, so the documented command keeps working.
    slug = f"bench-cli-{int(time.time())}"
    cli = [
        common.PYTHON, "manage.py", "seed_scale", "--slug", slug, "--couples", "3",
        "--counsellors", "2", "--assignments-per-couple", "2",
    ]  # fmt: skip
    started = time.perf_counter()
    out = subprocess.run(
        cli, cwd=common.ROOT, env={**_os_env(), **bench.env}, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"seed_scale failed:\n{out.stdout}\n{out.stderr}")
    cli_seconds = time.perf_counter() - started

    rows = [
        (table, f"{count:,}", f"{report.timings[table]:.2f}", _rate(count, report.timings[table]))
        for table, count in report.rows.items()
        if count
    ]
    rows += [
        (f"{step} (no insert)", "", f"{seconds:.2f}", "")
        for step, seconds in report.timings.items()
        if not report.rows.get(step)
    ]
    rows.append(
        (
            "**total**",
            f"{report.total_rows:,}",
            f"{report.seconds:.1f}",
            _rate(report.total_rows, report.seconds),
        )
    )
    body = "\n\n".join(
        [
            f"`python manage.py seed_scale --slug {common.SLUG} --couples {s.couples} "
            f"--counsellors {s.counsellors} --assignments-per-couple {s.assignments_per_couple} "
            f"--caseload {s.caseload}` (run in-process by `bench.seed`; comparisons computed in "
            f"bulk with the job's scoring code).",
            common.table(["table", "rows", "seconds", "rows/s"], rows),
            "Couple profiles: "
            + ", ".join(f"{name} {count:,}" for name, count in sorted(report.profiles.items())),
            f"The command line at a tiny size (3 couples, including Python and Django start-up): "
            f"{cli_seconds:.1f} s.",
        ]
    )
    completed = s.couples * s.assignments_per_couple
    return Part(
        name="seed",
        title="Seeding at scale",
        body=body,
        headline=[
            (
                f"{s.couples:,} couples, {completed:,} completed assignments",
                "report only",
                f"{report.seconds:.1f} s ({report.total_rows:,} rows)",
                "reported",
            )
        ],
        data={
            "load_average": load,
            "seconds": report.seconds,
            "rows": report.rows,
            "timings": report.timings,
            "profiles": report.profiles,
            "cli_seconds": cli_seconds,
        },
    )


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 and count else ""


def _os_env() -> dict[str, str]:
    import os

    return dict(os.environ)


if __name__ == "__main__":
    common.run_standalone("seed", run)
