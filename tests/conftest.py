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
from django.test import Client

from practice.celery import app as celery_app
from practice.models import Membership, Practice, User
from tests.factories import MembershipFactory, PracticeFactory

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


# Personas -------------------------------------------------------------------------------------


@pytest.fixture
def practice(db: None) -> Practice:
    return PracticeFactory.create(name="Riverside Counselling", slug="riverside")


@pytest.fixture
def other_practice(db: None) -> Practice:
    return PracticeFactory.create(name="Hillside Therapy", slug="hillside")


@pytest.fixture
def admin_membership(practice: Practice) -> Membership:
    """A practice admin who does not counsel."""
    return MembershipFactory.create(
        practice=practice, is_admin=True, is_counsellor=False, user__full_name="Ada Admin"
    )


@pytest.fixture
def counsellor_membership(practice: Practice) -> Membership:
    return MembershipFactory.create(practice=practice, user__full_name="Cleo Counsellor")


@pytest.fixture
def outsider_membership(other_practice: Practice) -> Membership:
    """Admin and counsellor of another practice: must never reach the first practice."""
    return MembershipFactory.create(
        practice=other_practice, is_admin=True, user__full_name="Otto Outsider"
    )


@pytest.fixture
def admin(admin_membership: Membership) -> User:
    return admin_membership.user


@pytest.fixture
def counsellor(counsellor_membership: Membership) -> User:
    return counsellor_membership.user


@pytest.fixture
def outsider(outsider_membership: Membership) -> User:
    return outsider_membership.user


def _signed_in(user: User) -> Client:
    web = Client()
    web.force_login(user)
    return web


@pytest.fixture
def as_admin(admin: User) -> Client:
    return _signed_in(admin)


@pytest.fixture
def as_counsellor(counsellor: User) -> Client:
    return _signed_in(counsellor)


@pytest.fixture
def as_outsider(outsider: User) -> Client:
    return _signed_in(outsider)


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.fixture
def library(db: None) -> None:
    """The shipped instruments and topics, loaded as `make run` loads them."""
    from assessments.loader import load_library

    load_library()
