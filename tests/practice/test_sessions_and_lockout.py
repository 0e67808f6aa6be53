from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from practice.models import Practice, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(web: Client, user: User, password: str = PASSWORD, ip: str = "10.0.0.1") -> int:
    response = web.post(
        reverse("login"), {"username": user.email, "password": password}, REMOTE_ADDR=ip
    )
    return response.status_code


def test_staff_sign_in_with_their_email_and_the_session_key_rotates(counsellor: User) -> None:
    web = Client()
    web.get(reverse("login"))
    before = web.session.session_key

    assert sign_in(web, counsellor) == 302
    assert web.session.session_key != before


def test_repeated_failures_lock_out_that_username_from_that_address(counsellor: User) -> None:
    web = Client()
    for _ in range(5):
        sign_in(web, counsellor, password="wrong-password", ip="203.0.113.9")

    locked = web.post(
        reverse("login"),
        {"username": counsellor.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )

    assert locked.status_code == 429
    assert b"Too many sign-in attempts" in locked.content


def test_a_lockout_from_one_address_does_not_lock_the_user_out_elsewhere(
    counsellor: User,
) -> None:
    for _ in range(6):
        sign_in(Client(), counsellor, password="wrong-password", ip="203.0.113.9")

    assert sign_in(Client(), counsellor, ip="198.51.100.7") == 302


def test_a_session_ends_after_30_idle_minutes(counsellor: User, practice: Practice) -> None:
    web = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in(web, counsellor)
        traveller.shift(timedelta(minutes=29))
        assert web.get(f"/p/{practice.slug}/").status_code == 200
        traveller.shift(timedelta(minutes=29))
        assert web.get(f"/p/{practice.slug}/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = web.get(f"/p/{practice.slug}/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_session_ends_12_hours_after_sign_in_however_active(
    counsellor: User, practice: Practice
) -> None:
    web = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in(web, counsellor)
        for _ in range(24):  # active every 25 minutes for 10 hours
            traveller.shift(timedelta(minutes=25))
            assert web.get(f"/p/{practice.slug}/").status_code == 200
        traveller.shift(timedelta(hours=2, minutes=1))
        response = web.get(f"/p/{practice.slug}/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_out_kills_the_session(counsellor: User, practice: Practice) -> None:
    web = Client()
    sign_in(web, counsellor)

    assert web.post(reverse("logout")).status_code == 302
    assert web.get(f"/p/{practice.slug}/").status_code == 302


def test_password_reset_sends_an_expiring_link(counsellor: User, mailoutbox: list) -> None:
    response = Client().post(reverse("password_reset"), {"email": counsellor.email})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/set-password/" in mailoutbox[0].body
    assert "expires after 3 days" in mailoutbox[0].body
