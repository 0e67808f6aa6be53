from __future__ import annotations

from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"

    def ready(self) -> None:
        # Registers the demo couples with `seed_demo`.
        from clients import demo  # noqa: F401
