from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_scopes import scope

from practice import services
from practice.models import Practice


class Command(BaseCommand):
    help = "Create a practice and invite its first admin (who also counsels)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-name", default="")
        parser.add_argument("--timezone", default="Europe/London")

    @transaction.atomic
    def handle(self, *args: Any, **opts: Any) -> None:
        if Practice.objects.filter(slug=opts["slug"]).exists():
            raise CommandError(f"A practice with the slug '{opts['slug']}' already exists.")
        practice = services.practice_create(
            slug=opts["slug"], name=opts["name"], timezone=opts["timezone"]
        )
        with scope(practice=practice):
            membership = services.membership_invite(
                practice=practice,
                email=opts["admin_email"],
                full_name=opts["admin_name"] or opts["admin_email"].split("@")[0],
                is_admin=True,
                is_counsellor=True,
                invited_by=None,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Created practice '{practice.name}' ({practice.slug}); "
                f"{membership.user.email} is its admin and has been emailed a sign-in link."
            )
        )
