"""Shared setup for the benchmarks: the bench database and Redis db, Django, seeding, machine
facts and the results file.

Every benchmark runs against its own PostgreSQL database (`fulcrum_bench`, or
`fulcrum_bench_smoke` for the smoke run) and Redis database 12, passed to Django and to every
subprocess (gunicorn, the Celery worker) through DATABASE_URL and REDIS_URL. Nothing here is
imported by the product.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
RESULTS_MD = BENCH_DIR / "RESULTS.md"
RESULTS_JSON = BENCH_DIR / "results.json"
PYTHON = sys.executable
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
PG_APP_SERVER = os.environ.get("BENCH_PG_APP_SERVER", "postgres://fulcrum_app@127.0.0.1:5432")
REDIS_SERVER = os.environ.get("BENCH_REDIS_SERVER", "redis://127.0.0.1:6379")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "12"))
SLUG = "bench"
DASH_SLUG = "bench-dash"


@dataclass(frozen=True)
class Sizes:
    couples: int
    counsellors: int
    assignments_per_couple: int
    caseload: int  # couples of the one counsellor whose caseload page is measured
    dash_couples: int
    dash_assignments_per_couple: int  # x 2 partners = responses per couple
    jobs: int  # tasks of each kind per throughput round
    rounds: int
    wrk_seconds: int
    wrk_warmup: int
    respondents: int
    page_connections: int
    profile_jobs: int


FULL = Sizes(
    couples=10_000,
    counsellors=100,
    assignments_per_couple=2,
    caseload=1_000,
    dash_couples=10_000,
    dash_assignments_per_couple=5,
    jobs=3_000,
    rounds=2,
    wrk_seconds=10,
    wrk_warmup=2,
    respondents=50,
    page_connections=8,
    profile_jobs=300,
)
SMOKE = Sizes(
    couples=12,
    counsellors=3,
    assignments_per_couple=2,
    caseload=6,
    dash_couples=10,
    dash_assignments_per_couple=5,
    jobs=8,
    rounds=1,
    wrk_seconds=1,
    wrk_warmup=0,
    respondents=3,
    page_connections=2,
    profile_jobs=5,
)


@dataclass
class Bench:
    smoke: bool
    sizes: Sizes
    db_name: str
    env: dict[str, str]
    started: float = field(default_factory=time.perf_counter)

    def log(self, message: str) -> None:
        print(f"[{time.perf_counter() - self.started:7.1f}s] {message}", flush=True)


@dataclass
class Part:
    """One benchmark's results: a markdown section and the lines of the summary table."""

    name: str
    title: str
    body: str
    headline: list[tuple[str, str, str, str]]  # measure, goal, measured, verdict
    data: dict[str, Any]
    measured_at: str = field(
        default_factory=lambda: datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    )


def bench_env(db_name: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "practice.settings",
        # The application's own role, subject to row-level security, as in production; the
        # owner migrates (and creates the role).
        "DATABASE_URL": f"{PG_APP_SERVER}/{db_name}",
        "DATABASE_OWNER_URL": f"{PG_SERVER}/{db_name}",
        "REDIS_URL": f"{REDIS_SERVER}/{REDIS_DB}",
        "DEBUG": "false",
        # Plain HTTP on loopback: no redirect to https, cookies without the Secure flag.
        "HTTPS": "false",
        "STATIC_MANIFEST": "false",
        "LOG_LEVEL": "WARNING",
        "EMAIL_URL": "memorymail://",
        "SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
        # The reconciler's beat schedule is not running, but keep any stray one quiet.
        "RECONCILE_EVERY_SECONDS": "3600",
    }


def make_bench(smoke: bool) -> Bench:
    global _smoke
    _smoke = smoke
    db_name = os.environ.get("BENCH_DB_NAME") or (
        "fulcrum_bench_smoke" if smoke else "fulcrum_bench"
    )
    return Bench(
        smoke=smoke, sizes=SMOKE if smoke else FULL, db_name=db_name, env=bench_env(db_name)
    )


_django_ready = False


def setup_django(bench: Bench) -> None:
    """Points this process at the bench database and Redis db, then starts Django."""
    global _django_ready
    if _django_ready:
        return
    os.environ.update(bench.env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    _django_ready = True


def prepare_database(bench: Bench, *, recreate: bool) -> None:
    """Creates the bench database (dropping it first when `recreate`), migrates it and loads the
    instrument library. Redis db 12 is flushed: it belongs to the benchmarks alone."""
    import psycopg
    from psycopg import sql

    setup_django(bench)
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [bench.db_name]
        ).fetchone()
        name = sql.Identifier(bench.db_name)
        if exists and recreate:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))
        if not exists or recreate:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_instruments", stdout=open(os.devnull, "w"))  # noqa: SIM115
    bench.log(f"database {bench.db_name} ready ({time.perf_counter() - started:.1f} s)")
    redis_client().flushdb()


def redis_client() -> Any:
    import redis

    return redis.Redis.from_url(f"{REDIS_SERVER}/{REDIS_DB}")


def practice_exists(slug: str) -> bool:
    from practice.models import Practice

    return Practice.objects.filter(slug=slug).exists()


def main_practice(bench: Bench) -> Any:
    """The practice most benchmarks run against, seeded when missing."""
    from practice.models import Practice

    if not practice_exists(SLUG):
        seed(bench, SLUG)
    return Practice.objects.get(slug=SLUG)


def seed(bench: Bench, slug: str) -> Any:
    """Seeds one of the two bench practices; returns the seeding report."""
    from assessments.scale_seed import seed_scale

    s = bench.sizes
    if slug == SLUG:
        kwargs: dict[str, Any] = {
            "couples": s.couples,
            "counsellors": s.counsellors,
            "assignments_per_couple": s.assignments_per_couple,
            "caseload": s.caseload,
        }
    else:
        # The dashboard practice: 5 assignments per couple give 100,000 responses, with some
        # couples archived and some assignments still being answered so every funnel stage and
        # counter has rows.
        kwargs = {
            "couples": s.dash_couples,
            "counsellors": s.counsellors,
            "assignments_per_couple": s.dash_assignments_per_couple,
            "incomplete": 0.15,
            "archived": 0.05,
            "seed": 7,
        }
    bench.log(f"seeding {slug}: {kwargs}")
    report = seed_scale(slug=slug, **kwargs)
    bench.log(f"seeded {slug}: {report.total_rows:,} rows in {report.seconds:.1f} s")
    return report


def scoped(practice: Any) -> Any:
    from django_scopes import scope

    return scope(practice=practice)


# Machine facts --------------------------------------------------------------------------------


def _first_match(path: str, pattern: str) -> str:
    try:
        text = Path(path).read_text()
    except OSError:
        return "unknown"
    match = re.search(pattern, text, re.MULTILINE)
    return match.group(1).strip() if match else "unknown"


def _command_output(args: Sequence[str]) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else ""


def machine_facts(bench: Bench) -> dict[str, str]:
    import celery
    import django
    import gunicorn
    from django.db import connection

    setup_django(bench)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    mem_kb = int(_first_match("/proc/meminfo", r"^MemTotal:\s+(\d+)") or 0)
    return {
        "cpus (nproc)": str(os.cpu_count()),
        "cpu model": _first_match("/proc/cpuinfo", r"^model name\s*:\s*(.+)$"),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "celery": celery.__version__,
        "gunicorn": gunicorn.__version__,
        "postgresql": pg_version,
        "redis": str(redis_client().info("server").get("redis_version")),
        "wrk": _command_output(["wrk", "--version"]).split(" [")[0] or "not installed",
    }


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


# Small helpers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], *, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


_smoke = False


def verdict(met: bool) -> str:
    # Tiny smoke sizes say nothing about the goals.
    if _smoke:
        return "not judged (smoke)"
    return "met" if met else "NOT met"


# Results file -----------------------------------------------------------------------------------

ORDER = ("seed", "pages", "throughput", "rescore", "dashboard")


def _block(name: str, text: str) -> str:
    return f"<!-- bench:{name} -->\n{text.strip()}\n<!-- /bench:{name} -->"


def _replace_block(document: str, name: str, text: str) -> str:
    pattern = re.compile(rf"<!-- bench:{name} -->.*?<!-- /bench:{name} -->", re.DOTALL)
    if pattern.search(document):
        return pattern.sub(lambda _: _block(name, text), document)
    return document.rstrip() + "\n\n" + _block(name, text) + "\n"


def _template() -> str:
    blocks = "\n\n".join(_block(name, "(not run yet)") for name in ("machine", "headline", *ORDER))
    return f"# Benchmark results\n\n{blocks}\n\n## Notes\n\n(none yet)\n"


def write_results(bench: Bench, parts: list[Part], command: str) -> None:
    """Updates the generated blocks of bench/RESULTS.md (hand-written notes outside them stay),
    and the raw numbers in bench/results.json. A smoke run writes neither."""
    if bench.smoke:
        return
    stored: dict[str, Any] = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    stored.setdefault("parts", {})
    for part in parts:
        stored["parts"][part.name] = {
            "title": part.title,
            "measured_at": part.measured_at,
            "headline": part.headline,
            "data": part.data,
        }
    stored["machine"] = machine_facts(bench)
    stored["last_command"] = command
    RESULTS_JSON.write_text(json.dumps(stored, indent=2, sort_keys=True, default=str) + "\n")

    document = RESULTS_MD.read_text() if RESULTS_MD.exists() else _template()
    machine = table(["", ""], list(stored["machine"].items()))
    document = _replace_block(
        document,
        "machine",
        f"Last run: `{command}`, finished "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}.\n\n{machine}",
    )
    headline_rows = [
        (stored["parts"][name]["title"], *row, stored["parts"][name]["measured_at"])
        for name in ORDER
        if name in stored["parts"]
        for row in stored["parts"][name]["headline"]
    ]
    document = _replace_block(
        document,
        "headline",
        table(["part", "measure", "goal", "measured", "verdict", "measured at"], headline_rows),
    )
    for part in parts:
        document = _replace_block(
            document,
            part.name,
            f"## {part.title}\n\n_Measured {part.measured_at}; load average (1/5/15 min) at the "
            f"start: {part.data.get('load_average', 'unknown')}._\n\n{part.body}",
        )
    RESULTS_MD.write_text(document)


def run_standalone(name: str, run: Callable[[Bench], Part]) -> None:
    """`python -m bench.NAME [--smoke]`: one benchmark on its own."""
    import argparse

    parser = argparse.ArgumentParser(prog=f"python -m bench.{name}")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes")
    args = parser.parse_args()
    bench = make_bench(args.smoke)
    prepare_database(bench, recreate=False)
    part = run(bench)
    print(part.body)
    write_results(bench, [part], f"python -m bench.{name}" + (" --smoke" if args.smoke else ""))
