from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections

from practice.rls_sql import app_role_grants


class Command(BaseCommand):
    help = (
        "Create (or bring in line) the PostgreSQL role the application connects as: it owns "
        "nothing, is no superuser and cannot bypass row-level security. Runs as the owner "
        "(DATABASE_OWNER_URL); the role and password default to those of DATABASE_URL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", default="", help="default: the user of DATABASE_URL")
        parser.add_argument("--password", default=None, help="default: that of DATABASE_URL")
        parser.add_argument("--database", default="owner", help="the owner's connection alias")

    def handle(self, *args: Any, **opts: Any) -> None:
        if settings.DATABASE_BACKEND != "postgresql":
            self.stdout.write("SQLite: no database role (the application's two walls apply).")
            return
        connection = connections[opts["database"]]
        role = opts["role"] or settings.DATABASES["default"]["USER"]
        password = opts["password"]
        if password is None and not opts["role"]:
            password = settings.DATABASES["default"].get("PASSWORD") or None
        owner = connection.settings_dict["USER"]
        if not role or role == owner:
            raise CommandError(
                "The application's role must differ from the owner: set DATABASE_URL to the "
                "application's role and DATABASE_OWNER_URL to the owner (see README)."
            )
        statements = app_role_grants(role, owner, connection.settings_dict["NAME"], password)
        # Roles belong to the whole server: two processes (parallel test workers) may create or
        # alter the same role at once, and PostgreSQL refuses one of two concurrent changes.
        for attempt in range(10):
            try:
                with connection.cursor() as cursor:
                    for statement in statements:
                        cursor.execute(statement)
                break
            except DatabaseError:
                if attempt == 9:
                    raise
                time.sleep(0.2 * (attempt + 1))
        self.stdout.write(f"Role {role}: ready (no ownership, no superuser, no BYPASSRLS).")
