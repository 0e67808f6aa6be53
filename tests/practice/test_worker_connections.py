"""The worker keeps its database connection between tasks (as a web process does between
requests), instead of Celery's default of a new connection for every task."""

from __future__ import annotations

from typing import Any

import pytest
from celery.fixups.django import DjangoWorkerFixup  # type: ignore[attr-defined]  # not in the stubs
from django.conf import settings
from django.db import connection

from practice.celery import app as celery_app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# The DB-API connections the tasks below ran on, kept alive so `is` compares them safely (the
# test worker is a thread of this process).
_seen: list[Any] = []


@celery_app.task(name="tests.remember_connection", ignore_result=False)
def remember_connection() -> None:
    connection.ensure_connection()
    _seen.append(connection.connection)


def test_two_tasks_in_a_row_share_one_database_connection(celery_worker: Any) -> None:
    _seen.clear()
    remember_connection.delay().get(timeout=30)
    remember_connection.delay().get(timeout=30)

    first, second = _seen
    # Kept exactly when Django would keep it for a web request: CONN_MAX_AGE (600 s on
    # PostgreSQL; 0, a connection per task, on SQLite).
    kept = settings.DATABASES["default"]["CONN_MAX_AGE"] != 0
    assert (first is second) == kept


def test_celerys_django_fixup_leaves_the_connection_open_after_a_task() -> None:
    fixup = DjangoWorkerFixup(celery_app)
    assert fixup.db_reuse_max

    connection.ensure_connection()
    before = connection.connection
    fixup.close_database()

    assert connection.connection is before
