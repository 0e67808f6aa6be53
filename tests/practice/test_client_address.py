"""The client's address behind trusted reverse proxies, and every place that keys on it: the
sign-in lockout, the link-guessing throttle and the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django_scopes import scopes_disabled

from practice.client_address import client_address
from practice.models import AuditEvent, User
from tests.factories import PASSWORD

PROXY = "10.0.0.2"
CLIENT = "203.0.113.9"
OTHER_CLIENT = "198.51.100.7"
FORGED = "192.0.2.66"


def address(remote: str, forwarded: str | None = None) -> str | None:
    headers: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **headers))


@override_settings(TRUSTED_PROXIES="")
def test_without_trusted_proxies_the_forwarded_header_is_never_read() -> None:
    assert address(CLIENT, FORGED) == CLIENT


@override_settings(TRUSTED_PROXIES="1")
def test_one_proxy_by_count_the_client_is_the_address_it_appended() -> None:
    assert address(PROXY, CLIENT) == CLIENT
    # A caller's own header comes first; the proxy appends what it saw, so the forgery is skipped.
    assert address(PROXY, f"{FORGED}, {CLIENT}") == CLIENT
    # Reached without passing through the proxy: nothing in the header can be believed.
    assert address(CLIENT) == CLIENT
    assert address(PROXY, "not-an-address") == PROXY


@override_settings(TRUSTED_PROXIES="2")
def test_two_proxies_by_count() -> None:
    assert address(PROXY, f"{FORGED}, {CLIENT}, 10.0.0.1") == CLIENT
    assert address(PROXY, CLIENT) == PROXY


@override_settings(TRUSTED_PROXIES="10.0.0.0/8, 2001:db8::1")
def test_listed_proxies_are_walked_from_the_connection_leftwards() -> None:
    assert address(PROXY, CLIENT) == CLIENT
    assert address(PROXY, f"{FORGED}, {CLIENT}, 10.0.0.1") == CLIENT
    assert address("2001:db8::1", CLIENT) == CLIENT
    # An untrusted caller's forged header is ignored entirely.
    assert address(CLIENT, FORGED) == CLIENT
    assert address(OTHER_CLIENT, f"{PROXY}, {FORGED}") == OTHER_CLIENT
    # Garbage written by nobody we trust stops the walk at the last hop that could be read.
    assert address(PROXY, "garbage") == PROXY


@override_settings(TRUSTED_PROXIES="10.0.0.0/33")
def test_a_malformed_setting_is_a_configuration_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        address(PROXY, CLIENT)


def sign_in(user: User, remote: str, forwarded: str | None = None, password: str = PASSWORD) -> int:
    headers: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    response = Client().post(
        reverse("login"), {"username": user.email, "password": password}, **headers
    )
    return response.status_code


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=PROXY)
def test_behind_the_proxy_one_persons_failures_lock_out_only_that_person(counsellor: User) -> None:
    for _ in range(5):
        sign_in(counsellor, PROXY, CLIENT, password="wrong-password")

    assert sign_in(counsellor, PROXY, CLIENT) == 429
    assert sign_in(counsellor, PROXY, OTHER_CLIENT) == 302
    with scopes_disabled():
        failures = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED)
        assert set(failures.values_list("ip_address", flat=True)) == {CLIENT}


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=PROXY)
def test_a_forged_header_does_not_escape_a_lockout(counsellor: User) -> None:
    for n in range(5):
        sign_in(counsellor, CLIENT, f"192.0.2.{n}", password="wrong-password")

    assert sign_in(counsellor, CLIENT, "192.0.2.99") == 429


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=PROXY)
def test_link_guessing_is_throttled_per_client_behind_the_proxy() -> None:
    from assessments.respond.views import GUESS_LIMIT

    for n in range(GUESS_LIMIT):
        assert (
            Client()
            .get(f"/i/guess-{n}", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT)
            .status_code
            == 404
        )
    assert (
        Client().get("/i/guess", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT).status_code == 429
    )
    # Everyone else behind the same proxy carries on.
    assert (
        Client().get("/i/guess", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OTHER_CLIENT).status_code
        == 404
    )
    # A direct caller cannot pick a fresh address per attempt with a header of its own.
    for n in range(GUESS_LIMIT):
        Client().get(f"/i/guess-{n}", REMOTE_ADDR=OTHER_CLIENT, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert (
        Client().get("/i/guess", REMOTE_ADDR=OTHER_CLIENT, HTTP_X_FORWARDED_FOR=FORGED).status_code
        == 429
    )
