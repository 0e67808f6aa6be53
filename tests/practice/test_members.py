from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from practice.models import Membership, Practice, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def members_url(practice: Practice) -> str:
    return reverse("practice-members", kwargs={"practice_slug": practice.slug})


def test_invite_then_set_password_then_sign_in(
    as_admin: Client, practice: Practice, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(
            members_url(practice),
            {"full_name": "Nia New", "email": "Nia@Example.org", "is_counsellor": "on"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/set-password/\S+/", str(mail.outbox[0].body))
    assert link is not None
    assert mail.outbox[0].to == ["nia@example.org"]

    newcomer = Client()
    form_page = newcomer.get(link.group(0).split("8000", 1)[-1], follow=True)
    assert form_page.status_code == 200
    new_password = "a-long-and-new-passphrase"
    saved = newcomer.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert saved.status_code == 302

    signed_in = newcomer.post(
        reverse("login"), {"username": "nia@example.org", "password": new_password}
    )
    assert signed_in.status_code == 302
    home = newcomer.get(signed_in["Location"], follow=True)
    assert home.redirect_chain[-1][0] == f"/p/{practice.slug}/"


def test_invite_with_no_role_or_bad_email_shows_inline_errors(
    as_admin: Client, practice: Practice
) -> None:
    response = as_admin.post(members_url(practice), {"full_name": "X", "email": "not-an-email"})

    assert response.status_code == 400
    assert b"Enter a valid email address" in response.content
    assert not User.objects.filter(full_name="X").exists()


def test_inviting_an_existing_member_is_refused(
    as_admin: Client, practice: Practice, counsellor: User
) -> None:
    response = as_admin.post(
        members_url(practice),
        {"full_name": "Again", "email": counsellor.email, "is_counsellor": "on"},
    )

    assert response.status_code == 400
    assert b"already a member" in response.content


def test_deactivating_a_member_ends_their_sessions_at_once(
    as_admin: Client, as_counsellor: Client, practice: Practice, counsellor_membership: Membership
) -> None:
    assert as_counsellor.get(f"/p/{practice.slug}/").status_code == 200

    url = reverse(
        "practice-member-deactivate",
        kwargs={"practice_slug": practice.slug, "member_id": counsellor_membership.public_id},
    )
    assert as_admin.post(url).status_code == 302

    after = as_counsellor.get(f"/p/{practice.slug}/")
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("login"))


def test_the_last_admin_cannot_remove_their_own_admin_role(
    as_admin: Client, practice: Practice, admin_membership: Membership
) -> None:
    url = reverse(
        "practice-member-edit",
        kwargs={"practice_slug": practice.slug, "member_id": admin_membership.public_id},
    )

    response = as_admin.post(url, {"is_counsellor": "on"})

    assert response.status_code == 400
    assert b"at least one admin" in response.content
    with scope(practice=practice):
        admin_membership.refresh_from_db()
    assert admin_membership.is_admin


def test_admin_changes_a_members_roles(
    as_admin: Client, practice: Practice, counsellor_membership: Membership
) -> None:
    url = reverse(
        "practice-member-edit",
        kwargs={"practice_slug": practice.slug, "member_id": counsellor_membership.public_id},
    )

    assert as_admin.post(url, {"is_counsellor": "on", "is_admin": "on"}).status_code == 302

    with scope(practice=practice):
        counsellor_membership.refresh_from_db()
    assert counsellor_membership.is_admin
    assert counsellor_membership.is_counsellor


def test_a_person_in_two_practices_gets_a_picker_and_one_practice_goes_straight_in(
    counsellor: User, practice: Practice, other_practice: Practice
) -> None:
    web = Client()
    assert web.post(reverse("login"), {"username": counsellor.email, "password": PASSWORD})
    assert web.get("/").status_code == 302

    with scope(practice=other_practice):
        Membership.objects.create(practice=other_practice, user=counsellor)
    picker = web.get("/")
    assert picker.status_code == 200
    assert practice.name.encode() in picker.content
    assert other_practice.name.encode() in picker.content
