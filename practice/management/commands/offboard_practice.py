from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clients.privacy.offboarding import practice_offboard, practice_rows
from practice.models import Practice


class Command(BaseCommand):
    help = (
        "Delete a practice and every row that belongs to it: couples, clients, answers, "
        "comparisons, agendas, audit trail, memberships, and the staff accounts that belong to "
        "no other practice. Cannot be undone; needs --yes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument(
            "--yes", action="store_true", help="Confirm that the practice is to be deleted."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        practice = Practice.objects.filter(slug=opts["slug"]).first()
        if practice is None:
            raise CommandError(f"There is no practice with the slug '{opts['slug']}'.")
        counts = ", ".join(f"{count} {kind}" for kind, count in practice_rows(practice).items())
        if not opts["yes"]:
            raise CommandError(
                f"This would delete the practice '{practice.name}' ({practice.slug}) for good: "
                f"{counts}. Nothing has been deleted. Export anything the practice needs first, "
                f"then run again with --yes: offboard_practice {practice.slug} --yes"
            )
        name, slug = practice.name, practice.slug
        report = practice_offboard(practice=practice)
        total = sum(report.values())
        self.stdout.write(
            self.style.SUCCESS(f"Deleted the practice '{name}' ({slug}): {total} rows in all.")
        )
        for label, count in sorted(report.items()):
            self.stdout.write(f"  {label}: {count}")
