"""`manage.py seed_scale`: a practice at scale for the benchmarks (see `assessments.scale_seed`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.scale_seed import seed_scale
from practice.models import Practice


class Command(BaseCommand):
    help = (
        "Create a practice at scale (counsellors, couples, completed assignments with realistic"
        " answers and their comparisons) with bulk inserts, for the benchmarks in bench/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True, help="slug of the new practice")
        parser.add_argument("--couples", type=int, default=100)
        parser.add_argument("--counsellors", type=int, default=5)
        parser.add_argument("--assignments-per-couple", type=int, default=2)
        parser.add_argument(
            "--caseload",
            type=int,
            default=0,
            help="couples of the first counsellor (the rest are shared out evenly)",
        )
        parser.add_argument(
            "--incomplete",
            type=float,
            default=0.0,
            help="fraction of couples whose newest assignment is still being answered",
        )
        parser.add_argument(
            "--archived", type=float, default=0.0, help="fraction of couples archived"
        )
        parser.add_argument("--comparisons", choices=["done", "pending"], default="done")
        parser.add_argument("--seed", type=int, default=20250611)
        parser.add_argument(
            "--chunk", type=int, default=1000, help="couples written per transaction"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["couples"] < 1 or opts["counsellors"] < 1 or opts["assignments_per_couple"] < 1:
            raise CommandError("--couples, --counsellors and --assignments-per-couple must be >= 1")
        if Practice.objects.filter(slug=opts["slug"]).exists():
            raise CommandError(
                f"A practice with the slug '{opts['slug']}' exists: choose another slug."
            )
        report = seed_scale(
            slug=opts["slug"],
            couples=opts["couples"],
            counsellors=opts["counsellors"],
            assignments_per_couple=opts["assignments_per_couple"],
            caseload=opts["caseload"],
            incomplete=opts["incomplete"],
            archived=opts["archived"],
            pending=opts["comparisons"] == "pending",
            seed=opts["seed"],
            chunk=opts["chunk"],
            progress=self.stdout.write if opts["verbosity"] > 1 else None,
        )
        self.stdout.write(
            f"{opts['slug']}: {report.total_rows:,} rows in {report.seconds:.1f} s "
            f"({report.total_rows / max(report.seconds, 1e-9):,.0f} rows/s)"
        )
        for table, count in report.rows.items():
            self.stdout.write(f"  {table:<14} {count:>9,} rows  {report.timings[table]:7.2f} s")
