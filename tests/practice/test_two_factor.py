from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from practice.models import AuditEvent, Practice, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(user: User) -> Client:
    web = Client()
    response = web.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return web


def enrol(web: Client, user: User) -> list[str]:
    assert b"<svg" in web.get(reverse("two-factor-setup")).content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = web.post(reverse("two-factor-setup"), {"token": totp(device.bin_key)})
    assert response.status_code == 200
    return re.findall(r"<code>([0-9a-f]{10})</code>", response.content.decode())


def test_a_counsellor_turns_on_two_factor_and_gets_ten_recovery_codes(counsellor: User) -> None:
    web = sign_in(counsellor)

    codes = enrol(web, counsellor)

    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=counsellor).confirmed
    assert (
        AuditEvent.objects.with_scopes_disabled()
        .filter(actor=counsellor, action="two_factor", detail="enabled")
        .exists()
    )


def test_a_wrong_code_does_not_turn_it_on(counsellor: User) -> None:
    web = sign_in(counsellor)
    web.get(reverse("two-factor-setup"))

    response = web.post(reverse("two-factor-setup"), {"token": "000000"})

    assert response.status_code == 400
    assert b"did not match" in response.content
    assert not TOTPDevice.objects.filter(user=counsellor, confirmed=True).exists()


def test_after_enrolment_every_sign_in_asks_for_the_second_factor(
    counsellor: User, practice: Practice
) -> None:
    enrol(sign_in(counsellor), counsellor)
    web = sign_in(counsellor)

    blocked = web.get(f"/p/{practice.slug}/")
    assert blocked.status_code == 302
    assert blocked["Location"].startswith(reverse("two-factor-verify"))

    device = TOTPDevice.objects.get(user=counsellor)
    wrong = web.post(reverse("two-factor-verify"), {"token": "123456", "next": "/"})
    assert wrong.status_code == 400
    time.sleep(1.1)  # a failed code makes the device refuse every code for a second
    # The enrolment used this time step's code, and a code never works twice.
    verified = web.post(
        reverse("two-factor-verify"),
        {"token": totp(device.bin_key, drift=1), "next": f"/p/{practice.slug}/"},
    )
    assert verified["Location"] == f"/p/{practice.slug}/"
    assert web.get(f"/p/{practice.slug}/").status_code == 200


def test_a_recovery_code_works_once(counsellor: User, practice: Practice) -> None:
    codes = enrol(sign_in(counsellor), counsellor)

    first = sign_in(counsellor)
    assert first.post(reverse("two-factor-verify"), {"token": codes[0]}).status_code == 302
    second = sign_in(counsellor)
    assert second.post(reverse("two-factor-verify"), {"token": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=counsellor).count() == 9


def test_a_practice_that_requires_two_factor_sends_members_without_it_to_set_it_up(
    counsellor: User, practice: Practice
) -> None:
    Practice.objects.filter(pk=practice.pk).update(require_two_factor=True)
    web = sign_in(counsellor)

    response = web.get(f"/p/{practice.slug}/")

    assert response.status_code == 302
    assert response["Location"] == reverse("two-factor-setup")
    assert b"requires two-factor" in web.get(reverse("two-factor-setup")).content


def test_turning_it_off_needs_a_current_code(counsellor: User) -> None:
    web = sign_in(counsellor)
    enrol(web, counsellor)
    device = TOTPDevice.objects.get(user=counsellor)

    web.post(reverse("two-factor-disable"), {"token": "000000"})
    assert TOTPDevice.objects.filter(user=counsellor).exists()
    time.sleep(1.1)  # a failed code makes the device refuse every code for a second

    web.post(reverse("two-factor-disable"), {"token": totp(device.bin_key, drift=1)})
    assert not TOTPDevice.objects.filter(user=counsellor).exists()


def test_sign_in_sign_out_and_failures_are_audited_without_the_typed_email(
    counsellor: User,
) -> None:
    Client().post(reverse("login"), {"username": "typo@example.org", "password": "nope"})
    web = sign_in(counsellor)
    web.post(reverse("logout"))

    events = AuditEvent.objects.with_scopes_disabled()
    assert list(events.order_by("id").values_list("action", flat=True)) == [
        "login_failed",
        "login",
        "logout",
    ]
    assert not events.filter(detail__contains="typo").exists()
    assert events.get(action="login").actor == counsellor
    assert events.get(action="login").ip_address == "127.0.0.1"
