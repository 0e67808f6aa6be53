from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from practice.demo import seed_demo


class Command(BaseCommand):
    help = "Create (or refresh) the demo practice and print its logins. Safe to run repeatedly."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", default="demo")
        parser.add_argument("--password", default="fulcrum-demo")

    def handle(self, *args: Any, slug: str, password: str, **options: Any) -> None:
        logins = seed_demo(slug, password)
        self.stdout.write(self.style.SUCCESS("Demo practice ready. Sign in at /login/ with:"))
        for login in logins:
            self.stdout.write(f"  {login.email:<32} password: {password:<16} ({login.roles})")
