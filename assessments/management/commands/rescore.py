from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scope

from assessments.comparisons import rescoring
from assessments.comparisons.services import rescore
from assessments.models import RescoreRun
from practice.models import Practice

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = (
        "Re-score done comparisons whose algorithm version or scoring inputs changed. A whole"
        " practice is fanned out as batch jobs across the workers while this command shows the"
        " progress; one couple (or --in-process) is re-scored here. Earlier results are kept as"
        " history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("practice", help="practice slug")
        parser.add_argument("--couple", help="only this couple (its public id), in-process")
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--force", action="store_true", help="re-score even if up to date")
        parser.add_argument(
            "--in-process", action="store_true", help="score here instead of on the workers"
        )
        parser.add_argument(
            "--no-wait", action="store_true", help="queue the batch jobs and return at once"
        )
        parser.add_argument(
            "--timeout", type=float, default=3600, help="seconds to wait for the workers"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        practice = Practice.objects.filter(slug=opts["practice"]).first()
        if practice is None:
            raise CommandError(f"No practice with the slug '{opts['practice']}'.")
        with scope(practice=practice):
            if opts["couple"] or opts["in_process"]:
                self._in_process(practice, opts)
            else:
                self._fanned_out(practice, opts)

    def _in_process(self, practice: Practice, opts: dict[str, Any]) -> None:
        started = time.perf_counter()
        report = rescore(
            practice=practice,
            couple_id=opts["couple"],
            batch_size=opts["batch_size"] or 500,
            force=opts["force"],
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{practice.slug}: examined {report.examined}, re-scored {report.rescored} "
            f"comparisons in {elapsed:.1f} s"
        )

    def _fanned_out(self, practice: Practice, opts: dict[str, Any]) -> None:
        run = rescoring.rescore_start(
            practice=practice,
            force=opts["force"],
            batch_size=opts["batch_size"] or rescoring.BATCH_SIZE,
        )
        self.stdout.write(
            f"{practice.slug}: re-scoring run {run.pk} queued as {run.batches_total} batch jobs"
        )
        if opts["no_wait"]:
            return
        deadline = time.monotonic() + opts["timeout"]
        shown = ""
        while True:
            run = RescoreRun.objects.get(pk=run.pk)
            line = rescoring.progress(run)
            if line != shown:
                self.stdout.write(f"{practice.slug}: {line}")
                shown = line
            if run.finished_at is not None:
                return
            if time.monotonic() > deadline:
                raise CommandError(
                    f"Re-scoring run {run.pk} is still running (no worker, or a slow one); "
                    "it goes on in the background."
                )
            time.sleep(POLL_SECONDS)
