"""`migrate` runs as the tables' owner (DATABASE_OWNER_URL) unless told otherwise: the
application's own role may not create or alter tables. When the application has a role of its own
(DATABASE_URL names another user), the role is then brought in line (`create_app_role`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser
from django.core.management.commands.migrate import Command as MigrateCommand


class Command(MigrateCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        if "owner" in settings.DATABASES:
            parser.set_defaults(database="owner")

    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        databases = settings.DATABASES
        if (
            options["database"] == "owner"
            and not options.get("plan")
            and databases["default"]["USER"] != databases["owner"]["USER"]
        ):
            call_command("create_app_role", stdout=self.stdout)
