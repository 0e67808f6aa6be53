"""PostgreSQL connections carry the planner settings the dashboard's plans were measured with."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db


def test_postgresql_connections_plan_for_memory_and_ssd_without_jit() -> None:
    if connection.vendor != "postgresql":
        # SQLite has no such settings: nothing is sent.
        assert "options" not in settings.DATABASES["default"].get("OPTIONS", {})
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
