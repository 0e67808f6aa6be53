"""Every practice page for every persona: happy path, outsider 404, anonymous to login,
counsellor 403 on admin pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from practice.models import Membership, Practice

pytestmark = pytest.mark.django_db

MEMBER_PAGES = ["practice-home"]
ADMIN_PAGES = ["practice-members", "practice-settings"]


def page_url(name: str, practice: Practice) -> str:
    return reverse(name, kwargs={"practice_slug": practice.slug})


@pytest.mark.parametrize("name", MEMBER_PAGES + ADMIN_PAGES)
def test_admin_sees_every_practice_page(name: str, as_admin: Client, practice: Practice) -> None:
    # An admin who does not counsel is taken from the home page to the practice dashboard.
    response = as_admin.get(page_url(name, practice), follow=True)

    assert response.status_code == 200
    assert practice.name.encode() in response.content


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_counsellor_sees_member_pages(name: str, as_counsellor: Client, practice: Practice) -> None:
    assert as_counsellor.get(page_url(name, practice)).status_code == 200


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_counsellor_who_is_not_admin_gets_403_on_admin_pages(
    name: str, as_counsellor: Client, practice: Practice
) -> None:
    assert as_counsellor.get(page_url(name, practice)).status_code == 403


@pytest.mark.parametrize("name", MEMBER_PAGES + ADMIN_PAGES)
def test_member_of_another_practice_gets_404_like_a_missing_practice(
    name: str, as_outsider: Client, practice: Practice
) -> None:
    foreign = as_outsider.get(page_url(name, practice))
    missing = as_outsider.get(page_url(name, Practice(slug="no-such-practice")))

    assert foreign.status_code == missing.status_code == 404
    assert practice.name.encode() not in foreign.content


@pytest.mark.parametrize("name", MEMBER_PAGES + ADMIN_PAGES)
def test_anonymous_visitor_is_sent_to_login(
    name: str, anonymous: Client, practice: Practice
) -> None:
    response = anonymous.get(page_url(name, practice))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_deactivated_member_gets_404(
    as_counsellor: Client, counsellor_membership: Membership, practice: Practice
) -> None:
    with scope(practice=practice):
        Membership.objects.filter(pk=counsellor_membership.pk).update(is_active=False)

    assert as_counsellor.get(page_url("practice-home", practice)).status_code == 404


def test_admin_member_pages_of_another_practice_answer_404(
    as_admin: Client, practice: Practice, outsider_membership: Membership
) -> None:
    url = reverse(
        "practice-member-edit",
        kwargs={"practice_slug": practice.slug, "member_id": outsider_membership.public_id},
    )

    assert as_admin.get(url).status_code == 404
    assert as_admin.post(url, {"is_admin": "on"}).status_code == 404
    with scope(practice=outsider_membership.practice):
        outsider_membership.refresh_from_db()
    assert outsider_membership.is_admin is True


def test_settings_form_saves_and_rejects_bad_input_inline(
    as_admin: Client, practice: Practice
) -> None:
    url = page_url("practice-settings", practice)
    good = {
        "name": "Riverside Couples",
        "timezone": "Europe/Dublin",
        "invitation_expiry_days": 21,
        "reminder_after_days": 4,
        "max_reminders": 2,
    }

    assert as_admin.post(url, good).status_code == 302
    practice.refresh_from_db()
    assert (practice.name, practice.invitation_expiry_days) == ("Riverside Couples", 21)

    bad = as_admin.post(url, {**good, "invitation_expiry_days": 0, "timezone": "Mars/Base"})
    assert bad.status_code == 400
    assert b"Ensure this value is greater than or equal to 1" in bad.content
    assert b"Select a valid choice" in bad.content
