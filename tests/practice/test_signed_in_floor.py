"""The cost of being signed in: a plain read of a bare view reads the session (from Redis when
sessions are cached there) and the user, never a two-factor device table, and writes nothing;
the last-seen time is written at most once a minute and still ends an idle session."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from practice.models import Practice, User, new_security_stamp
from practice.security import SESSION_SEEN_KEY
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]

BARE = "/bench/bare-django"
DEVICE_TABLES = ("otp_totp_totpdevice", "otp_static_staticdevice")
WRITES = ("INSERT", "UPDATE", "DELETE")
# The session comes from Redis when it caches sessions (cached_db), else from the database.
CACHED_SESSIONS = settings.SESSION_ENGINE.endswith("cached_db")
PLAIN_READ_QUERIES = 1 if CACHED_SESSIONS else 2


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def sign_in(user: User) -> Client:
    web = Client()
    response = web.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return web


def enrol(web: Client, user: User) -> TOTPDevice:
    web.get(reverse("two-factor-setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert web.post(reverse("two-factor-setup"), {"token": totp(device.bin_key)}).status_code == 200
    return device


def plain_read(web: Client, path: str = BARE) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        status = web.get(path).status_code
    return status, [query["sql"] for query in queries.captured_queries]


def session_writes(sql: list[str]) -> list[str]:
    return [s for s in sql if "django_session" in s and s.lstrip().upper().startswith(WRITES)]


def device_reads(sql: list[str]) -> list[str]:
    return [s for s in sql if any(table in s for table in DEVICE_TABLES)]


def test_a_signed_in_plain_read_reads_the_user_only_and_writes_nothing(
    counsellor: User, clock: time_machine.Traveller
) -> None:
    web = sign_in(counsellor)
    assert web.get(BARE).status_code == 200  # the first request after sign-in notes its start

    for _ in range(2):
        clock.shift(timedelta(seconds=20))
        status, sql = plain_read(web)
        assert status == 200
        assert len(sql) == PLAIN_READ_QUERIES, sql
        assert not session_writes(sql)
        assert not any(s.lstrip().upper().startswith(WRITES) for s in sql)
        assert not device_reads(sql)


def test_the_last_seen_time_is_written_once_a_minute(
    counsellor: User, clock: time_machine.Traveller
) -> None:
    web = sign_in(counsellor)
    web.get(BARE)

    clock.shift(timedelta(seconds=61))
    _, sql = plain_read(web)
    assert len(session_writes(sql)) == 1
    _, sql = plain_read(web)
    assert not session_writes(sql)


def test_a_session_idle_for_31_minutes_by_its_last_seen_time_is_sent_to_sign_in(
    counsellor: User, practice: Practice
) -> None:
    web = sign_in(counsellor)
    web.get(BARE)
    # The stored expiry alone would also end it: the last-seen time is what is tested here.
    session = web.session
    session[SESSION_SEEN_KEY] = float(session[SESSION_SEEN_KEY]) - 31 * 60
    session.save()

    response = web.get(f"/p/{practice.slug}/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert web.get(f"/p/{practice.slug}/")["Location"].startswith(reverse("login"))


def test_thirty_minutes_of_silence_end_the_session_with_writes_once_a_minute(
    counsellor: User, practice: Practice, clock: time_machine.Traveller
) -> None:
    web = sign_in(counsellor)
    for _ in range(40):  # 20 minutes of requests every 30 s
        clock.shift(timedelta(seconds=30))
        assert web.get(f"/p/{practice.slug}/").status_code == 200
    clock.shift(timedelta(minutes=29))
    assert web.get(f"/p/{practice.slug}/").status_code == 200
    clock.shift(timedelta(minutes=31))

    assert web.get(f"/p/{practice.slug}/")["Location"].startswith(reverse("login"))


def test_a_verified_session_reads_no_device_table(
    counsellor: User, practice: Practice, clock: time_machine.Traveller
) -> None:
    web = sign_in(counsellor)
    enrol(web, counsellor)  # verifies this session with the new device
    assert web.get(f"/p/{practice.slug}/").status_code == 200

    clock.shift(timedelta(seconds=10))
    status, sql = plain_read(web)
    assert status == 200
    assert len(sql) == PLAIN_READ_QUERIES, sql
    assert not device_reads(sql)
    status, sql = plain_read(web, f"/p/{practice.slug}/")
    assert status == 200
    assert not device_reads(sql)


def test_an_unverified_session_still_has_to_verify(counsellor: User, practice: Practice) -> None:
    enrol(sign_in(counsellor), counsellor)
    web = sign_in(counsellor)

    for _ in range(2):  # the second time from what the session remembers
        response = web.get(f"/p/{practice.slug}/")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two-factor-verify"))


def test_setting_up_two_factor_elsewhere_ends_a_session_that_had_none(
    counsellor: User, practice: Practice
) -> None:
    other = sign_in(counsellor)
    assert other.get(f"/p/{practice.slug}/").status_code == 200  # remembers: no device

    enrol(sign_in(counsellor), counsellor)

    response = other.get(f"/p/{practice.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_removing_the_device_ends_the_sessions_it_verified(
    counsellor: User, practice: Practice
) -> None:
    web = sign_in(counsellor)
    enrol(web, counsellor)
    assert web.get(f"/p/{practice.slug}/").status_code == 200

    # As an operator would in the admin, for a lost phone.
    TOTPDevice.objects.filter(user=counsellor).delete()

    response = web.get(f"/p/{practice.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_turning_two_factor_off_keeps_this_session(counsellor: User, practice: Practice) -> None:
    web = sign_in(counsellor)
    device = enrol(web, counsellor)

    # The enrolment used this time step's code, and a code never works twice.
    web.post(reverse("two-factor-disable"), {"token": totp(device.bin_key, drift=1)})

    assert not TOTPDevice.objects.filter(user=counsellor).exists()
    assert web.get(f"/p/{practice.slug}/").status_code == 200
    account = web.get(reverse("two-factor-setup")).content.decode()
    assert re.search(r"<svg", account)  # offered to set it up again


def test_a_security_stamp_change_ends_a_verified_session(
    counsellor: User, practice: Practice
) -> None:
    web = sign_in(counsellor)
    enrol(web, counsellor)
    assert web.get(f"/p/{practice.slug}/").status_code == 200

    User.objects.filter(pk=counsellor.pk).update(security_stamp=new_security_stamp())

    assert web.get(f"/p/{practice.slug}/")["Location"].startswith(reverse("login"))


def test_the_redis_cache_keeps_one_client_per_connection_pool() -> None:
    from practice.redis_cache import RedisCache

    # Building a client does not connect, so no server is needed to see which one is returned.
    cache = RedisCache("redis://127.0.0.1:6379/0", {})
    client: Any = cache._cache
    first = client.get_client("a", write=True)

    assert client.get_client("b", write=True) is first
    assert client.get_client("c") is first  # one server: reads share the writers' pool
    assert first.connection_pool is client._get_connection_pool(True)
