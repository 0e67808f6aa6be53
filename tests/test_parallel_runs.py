"""The suite runs in several processes at once (pytest-xdist, and other runs on the same machine):
each test process keeps its own database, broker queue and cache, so none takes another's
messages, reads its rows or clears its cache."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from practice.celery import app as celery_app
from practice.tasks import ping
from tests.conftest import CACHE_PREFIX, OWNER


def test_each_test_process_sends_to_and_consumes_from_a_queue_named_after_it() -> None:
    assert celery_app.conf.task_default_queue == OWNER
    assert OWNER.endswith(f"-{os.getpid()}")
    assert os.environ.get("PYTEST_XDIST_WORKER", "main") in OWNER


@pytest.mark.django_db
def test_each_xdist_worker_has_a_test_database_of_its_own() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = str(connection.settings_dict["NAME"])

    if worker:
        assert name.endswith(f"_{worker}")
    if settings.DATABASE_BACKEND == "sqlite":
        # A file the live server, the test worker and the tests share, never one in memory.
        assert name.startswith(str(settings.VAR_DIR))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_test_worker_leaves_another_processs_messages_alone(celery_worker: Any) -> None:
    foreign = f"fulcrum-test-elsewhere-{os.getpid()}"
    ping.apply_async(args=("not-mine",), queue=foreign)

    # The worker handles its own queue in order: once this answer is back, it has had its chance.
    assert ping.delay("mine").get(timeout=30) == "pong:mine"

    with celery_app.connection_for_write() as broker:
        left = celery_app.amqp.queues[foreign](broker.default_channel)
        left.declare()
        assert left.purge() == 1
        left.delete()


def test_clearing_the_cache_leaves_another_processs_keys_alone() -> None:
    cache.set("throttle", 3)
    if settings.REDIS_URL:
        assert cache.make_key("throttle").startswith(f"{CACHE_PREFIX}:")
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        foreign = f"fulcrum-test-elsewhere-{os.getpid()}-cache:1:throttle"
        client.set(foreign, 5)
        try:
            cache.clear()
            assert client.get(foreign) == b"5"
        finally:
            client.delete(foreign)
    else:
        # The embedded cache is a folder of this process's own.
        assert settings.CACHES["default"]["LOCATION"] != str(settings.VAR_DIR / "cache")
        cache.clear()

    assert cache.get("throttle") is None
