"""Shared fixtures: the real Celery worker, the real browser, and (later) the personas."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from practice.celery import app as celery_app

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts"


def _test_redis_url(url: str) -> str:
    # The test worker gets its own Redis database so it never takes a stray worker's messages.
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{os.environ.get('TEST_REDIS_DB', '14')}"


def pytest_configure(config: pytest.Config) -> None:
    if settings.REDIS_URL:
        url = _test_redis_url(settings.REDIS_URL)
        celery_app.conf.update(broker_url=url, result_backend=url)
    else:
        folder = Path(tempfile.mkdtemp(prefix="fulcrum-test-broker-"))
        for sub in ("queue", "processed", "results", "control"):
            (folder / sub).mkdir()
        celery_app.conf.update(
            broker_transport_options={
                **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                "data_folder_in": str(folder / "queue"),
                "data_folder_out": str(folder / "queue"),
                "processed_folder": str(folder / "processed"),
                "control_folder": str(folder / "control"),
            },
            result_backend=f"file://{folder / 'results'}",
        )


@pytest.fixture(scope="session")
def celery_worker(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """A real worker thread consuming from the configured broker for the whole session."""
    celery_app.control.purge()
    with (
        django_db_blocker.unblock(),
        start_worker(
            celery_app,
            pool="solo",
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=30,
        ) as worker,
    ):
        yield worker


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-quic",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
