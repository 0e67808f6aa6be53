from __future__ import annotations

from typing import Any

import pytest
from django_scopes import scope
from playwright.sync_api import Page, expect

from practice.models import Membership, Practice, User
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_counsellor_signs_in_lands_on_the_practice_and_switches_practice(
    page: Page, live_server: Any, counsellor: User, practice: Practice, other_practice: Practice
) -> None:
    with scope(practice=other_practice):
        Membership.objects.create(practice=other_practice, user=counsellor)

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(counsellor.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Choose a practice")).to_be_visible()
    page.get_by_role("link", name=practice.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(practice.name)

    page.locator(".practice-switcher summary").click()
    page.locator(".practice-switcher").get_by_role("link", name=other_practice.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(other_practice.name)
    assert page.url.endswith(f"/p/{other_practice.slug}/")
