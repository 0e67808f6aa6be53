from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope

from practice.models import Membership, Practice, User

pytestmark = pytest.mark.django_db


def test_the_admin_site_registers_no_clinical_model() -> None:
    registered_apps = {model._meta.app_label for model in admin.site._registry}

    assert "clients" not in registered_apps
    assert "assessments" not in registered_apps
    assert Practice in admin.site._registry
    assert Membership in admin.site._registry


def admin_sign_in(web: Client, operator: User, device: TOTPDevice) -> int:
    response = web.post(
        "/admin/login/?next=/admin/",
        {
            "username": operator.email,
            "password": "operator-password",
            "otp_device": device.persistent_id,
            "otp_token": totp(device.bin_key),
        },
    )
    return response.status_code


def test_the_admin_site_refuses_an_operator_without_a_second_factor() -> None:
    operator = User.objects.create_superuser(
        "operator@fulcrum.example", "operator-password", full_name="Op"
    )
    web = Client()
    web.force_login(operator)

    response = web.get("/admin/practice/practice/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_operator_lists_practices_and_memberships_in_the_admin(
    admin_membership: Membership,
) -> None:
    operator = User.objects.create_superuser(
        "operator@fulcrum.example", "operator-password", full_name="Op"
    )
    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)
    web = Client()
    assert admin_sign_in(web, operator, device) == 302

    assert web.get("/admin/practice/practice/").status_code == 200
    listing = web.get("/admin/practice/membership/")
    assert listing.status_code == 200
    assert admin_membership.user.full_name.encode() in listing.content


def test_the_operators_membership_list_shows_one_practice_at_a_time(
    admin_membership: Membership, outsider_membership: Membership
) -> None:
    # The database shows one practice's memberships at a time: the list names the practice it
    # shows (the first by name unless one is chosen), and a membership opens in its own practice.
    operator = User.objects.create_superuser(
        "operator@fulcrum.example", "operator-password", full_name="Op"
    )
    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)
    web = Client()
    assert admin_sign_in(web, operator, device) == 302
    hillside, riverside = outsider_membership, admin_membership  # first and second by name

    first = web.get("/admin/practice/membership/")
    assert hillside.user.full_name.encode() in first.content
    assert riverside.user.full_name.encode() not in first.content
    chosen = web.get(f"/admin/practice/membership/?practice__id__exact={riverside.practice_id}")
    assert riverside.user.full_name.encode() in chosen.content
    assert hillside.user.full_name.encode() not in chosen.content
    change = web.get(f"/admin/practice/membership/{riverside.pk}/change/")
    assert f"<title>{riverside} | Change membership".encode() in change.content
    page = web.get(f"/admin/practice/practice/{riverside.practice_id}/change/")
    assert riverside.user.full_name.encode() in page.content


def test_the_operators_rescore_action_queues_one_job_per_practice_after_commit(
    practice: Practice, other_practice: Practice, django_capture_on_commit_callbacks: Any
) -> None:
    operator = User.objects.create_superuser(
        "operator@fulcrum.example", "operator-password", full_name="Op"
    )
    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)
    web = Client()
    assert admin_sign_in(web, operator, device) == 302

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = web.post(
            "/admin/practice/practice/",
            {
                "action": "rescore_comparisons",
                "_selected_action": [practice.pk, other_practice.pk],
            },
        )

    assert response.status_code == 302
    # Nothing is sent before the admin's transaction commits: one job per practice then.
    assert len(callbacks) == 2


def test_create_practice_command_makes_the_practice_and_emails_its_admin(
    mailoutbox: list, capsys: pytest.CaptureFixture[str], django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "create_practice", "lakeside", name="Lakeside Therapy", admin_email="Lee@Lakeside.org"
        )

    practice = Practice.objects.get(slug="lakeside")
    with scope(practice=practice):
        membership = Membership.objects.select_related("user").get(practice=practice)
    assert membership.user.email == "lee@lakeside.org"
    assert membership.is_admin
    assert membership.is_counsellor
    assert not membership.user.has_usable_password()
    assert "/set-password/" in mailoutbox[0].body
    assert "Lakeside Therapy" in capsys.readouterr().out


def test_seed_demo_is_idempotent_and_prints_the_logins(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo", slug="demo", password="pw-for-demo")
    call_command("seed_demo", slug="demo", password="pw-for-demo")

    out = capsys.readouterr().out
    assert "admin@demo.example" in out
    assert "counsellor@demo.example" in out
    assert Practice.objects.filter(slug="demo").count() == 1
    with scope(practice=Practice.objects.get(slug="demo")):
        assert Membership.objects.filter(practice__slug="demo").count() == 3
    assert User.objects.get(email="admin@demo.example").check_password("pw-for-demo")
