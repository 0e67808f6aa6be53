from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.library.loader import load_library
from assessments.library.validation import DefinitionError


class Command(BaseCommand):
    help = (
        "Validate the instrument and topic files and load them into the library, all or nothing."
        " Without PATHs, loads every instrument in assessments/library/instruments/ and"
        " assessments/library/topics.yaml; a folder loads its *.yaml files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")

    def handle(self, *args: Any, paths: list[Path], **options: Any) -> None:
        try:
            report = load_library(paths or None)
        except DefinitionError as error:
            raise CommandError(str(error)) from error
        for result in report:
            self.stdout.write(str(result))
