from __future__ import annotations

from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practices"

    def ready(self) -> None:
        # Connects the receivers that end sessions when a two-factor device is removed.
        from practice import two_factor  # noqa: F401
