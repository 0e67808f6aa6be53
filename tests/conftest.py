"""Shared fixtures: the real Celery worker, the real browser, and (later) the personas."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django_scopes import scope

from assessments.assignments.services import NewAssignment, assignment_create
from assessments.models import InstrumentVersion
from clients.models import Couple
from practice.celery import app as celery_app
from practice.models import Membership, Practice, User
from tests.factories import CoupleFactory, MembershipFactory, PracticeFactory

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts"

# Everything this test process keeps on a shared broker is named after it: under pytest-xdist each
# worker is a process of its own, and the process id also keeps apart two runs started at once
# (another checkout, a second terminal) that share one Redis database.
OWNER = f"fulcrum-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
CACHE_PREFIX = f"{OWNER}-cache"


def _test_redis_url(url: str, db: int) -> str:
    # Tests get their own Redis database (broker, results and cache) so the test worker never
    # takes a stray worker's messages and the tests never touch anyone else's keys.
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{db}"


def pytest_configure(config: pytest.Config) -> None:
    # This process's own default queue: its worker takes only its own messages, and a purge
    # empties only its own queue.
    celery_app.conf.update(task_default_queue=OWNER)
    if settings.REDIS_URL:
        url = _test_redis_url(settings.REDIS_URL, int(os.environ.get("TEST_REDIS_DB", "14")))
        celery_app.conf.update(broker_url=url, result_backend=url)
        settings.CACHES["default"].update(
            BACKEND="tests.support.cache.OwnKeysRedisCache", LOCATION=url, KEY_PREFIX=CACHE_PREFIX
        )
    else:
        settings.CACHES["default"]["LOCATION"] = tempfile.mkdtemp(prefix="fulcrum-test-cache-")
        folder = Path(tempfile.mkdtemp(prefix="fulcrum-test-broker-"))
        os.environ["BROKER_DIR"] = str(folder)  # for worker processes the tests start
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


def pytest_unconfigure(config: pytest.Config) -> None:
    if settings.REDIS_URL:
        # A run leaves no keys behind in the shared Redis database.
        _delete_own_queues()
        cache.clear()


def _delete_own_queues() -> None:
    """Removes this process's queues and their bindings from Redis."""
    with celery_app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in list(celery_app.amqp.queues.values()):
            if queue.name.startswith(OWNER):
                # The transport forgets a binding only through the channel that declared it.
                bound = queue(channel)
                bound.declare()
                bound.delete()


# The application's database role -------------------------------------------------------------
# On PostgreSQL the test database is created and migrated by the owner (DATABASE_OWNER_URL, or the
# DATABASE_URL role when no owner is given), and the application then connects to it as its own
# role, exactly as in production: no superuser, owner of nothing, subject to row-level security.
# When DATABASE_URL names the owner itself, the tests use this role (created if missing).
TEST_APP_ROLE = "fulcrum_app"
_app_credentials: dict[str, str] = {}


def _owner_credentials() -> dict[str, str]:
    owner = settings.DATABASES["owner"]
    return {"USER": owner["USER"], "PASSWORD": owner.get("PASSWORD", "")}


def _connect_default_as(credentials: dict[str, str]) -> None:
    from django.db import connections

    connections["default"].close()
    connections["default"].settings_dict.update(credentials)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings: None) -> None:
    if settings.DATABASE_BACKEND != "postgresql":
        return
    default = settings.DATABASES["default"]
    owner = _owner_credentials()
    if default["USER"] == owner["USER"]:
        _app_credentials.update(USER=TEST_APP_ROLE, PASSWORD="")
    else:
        _app_credentials.update(USER=default["USER"], PASSWORD=default.get("PASSWORD", ""))
    _connect_default_as(owner)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    if settings.DATABASE_BACKEND != "postgresql":
        yield
        return
    from django.core.management import call_command
    from django.db import connections

    test_name = connections["default"].settings_dict["NAME"]
    connections["owner"].close()
    connections["owner"].settings_dict["NAME"] = test_name
    with django_db_blocker.unblock():
        call_command(
            "create_app_role",
            role=_app_credentials["USER"],
            password=_app_credentials["PASSWORD"] or None,
            stdout=io.StringIO(),
        )
        with connections["owner"].cursor() as cursor:
            # Test-only: TransactionTestCase empties the tables with TRUNCATE between tests.
            cursor.execute(
                f'GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO "{_app_credentials["USER"]}"'
            )
        connections["owner"].close()
    _connect_default_as(_app_credentials)
    yield
    # The owner drops the test database.
    _connect_default_as(_owner_credentials())


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Throttle counters must not leak from one test into the next.
    cache.clear()


@pytest.fixture
def jobs_run_at_once() -> Iterator[None]:
    """Background jobs run in the test's own process and transaction as they are sent (Celery's
    eager mode), errors raised: the emails they send land in the test outbox."""
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    try:
        yield
    finally:
        celery_app.conf.update(task_always_eager=False, task_eager_propagates=False)


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
        # The worker keeps its database connection between tasks; its thread must close it
        # before the session ends, or the test database could not be dropped.
        close_worker_connections.delay().get(timeout=30)


@celery_app.task(name="tests.close_worker_connections", ignore_result=False)
def close_worker_connections() -> None:
    from django.db import connections

    connections.close_all()


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
    from assessments.library.loader import load_library

    load_library()


@pytest.fixture
def couple(practice: Practice, counsellor_membership: Membership) -> Couple:
    """A couple of the practice, assigned to the counsellor persona (not to the admin)."""
    return CoupleFactory.create(
        practice=practice,
        partner_a__display_name="Sam",
        partner_b__display_name="Alex",
        counsellors=[counsellor_membership],
    )


@pytest.fixture
def other_couple(other_practice: Practice, outsider_membership: Membership) -> Couple:
    return CoupleFactory.create(
        practice=other_practice,
        partner_a__display_name="Canary-Robin",
        partner_b__display_name="Canary-Wren",
        counsellors=[outsider_membership],
    )


@pytest.fixture
def assignment(library: None, couple: Couple, counsellor_membership: Membership) -> NewAssignment:
    """The inventory given to the couple, both partners with an email (links are mailed)."""
    version = InstrumentVersion.objects.current().get(instrument__slug="balance-of-power-inventory")
    with scope(practice=couple.practice):
        return assignment_create(
            couple=couple, instrument_version=version, created_by=counsellor_membership
        )


@pytest.fixture
def sign_in_browser(page: Any, live_server: Any) -> Any:
    """Signs a staff user into the Playwright page by handing it a real session cookie."""

    def sign_in(user: User) -> None:
        web = Client()
        web.force_login(user)
        cookie = web.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return sign_in


@pytest.fixture
def console_errors(page: Any) -> list[str]:
    """Collects the page's console errors and uncaught exceptions."""
    errors: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
