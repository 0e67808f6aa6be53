from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from practice.celery import app as celery_app
from practice.tasks import ping


@pytest.mark.worker
def test_a_task_travels_through_the_configured_broker_and_a_real_worker(
    celery_worker: Any,
) -> None:
    result = ping.delay("round-trip")

    assert result.get(timeout=30) == "pong:round-trip"
    expected_scheme = "redis" if settings.REDIS_URL else "fulcrumfs"
    assert celery_app.conf.broker_url.startswith(expected_scheme)


def test_celery_is_configured_for_at_least_once_delivery() -> None:
    conf = celery_app.conf

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_time_limit > conf.task_soft_time_limit
    if settings.REDIS_URL:
        assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
