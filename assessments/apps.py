from __future__ import annotations

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self) -> None:
        # Registers the demo reports with `seed_demo`.
        from assessments import demo  # noqa: F401
