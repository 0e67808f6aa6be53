from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scope

from assessments.comparisons.services import rescore
from practice.models import Practice


class Command(BaseCommand):
    help = (
        "Re-score done comparisons whose algorithm version or scoring inputs changed, in batches."
        " Earlier results are kept as history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("practice", help="practice slug")
        parser.add_argument("--couple", help="only this couple (its public id)")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--force", action="store_true", help="re-score even if up to date")

    def handle(self, *args: Any, **opts: Any) -> None:
        practice = Practice.objects.filter(slug=opts["practice"]).first()
        if practice is None:
            raise CommandError(f"No practice with the slug '{opts['practice']}'.")
        started = time.perf_counter()
        with scope(practice=practice):
            report = rescore(
                practice=practice,
                couple_id=opts["couple"],
                batch_size=opts["batch_size"],
                force=opts["force"],
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{practice.slug}: examined {report.examined}, re-scored {report.rescored} "
            f"comparisons in {elapsed:.1f} s"
        )
