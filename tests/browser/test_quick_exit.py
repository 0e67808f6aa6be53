"""The quick exit in a real Chromium: one tap (or Escape twice) ends the respondent session,
the back button does not bring the form back, and it works without JavaScript too."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django_scopes import scope
from playwright.sync_api import Browser, Page, ViewportSize, expect

from assessments.assignments.services import assignment_create
from assessments.models import InstrumentVersion
from clients import services as client_services
from clients.models import Couple, Invitation, Partner
from practice.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
MISSING = "Open the link from your invitation to continue."
NEUTRAL_TITLE = "A good cup of tea"


@pytest.fixture
def link(couple: Couple, library: None, counsellor_membership: Membership) -> str:
    """Partner A's link to the inventory, as the counsellor copies it."""
    version = InstrumentVersion.objects.current().get(instrument__slug="balance-of-power-inventory")
    with scope(practice=couple.practice):
        couple.partner_a.email = ""
        couple.partner_a.save(update_fields=["email"])
        new = assignment_create(
            couple=couple, instrument_version=version, created_by=counsellor_membership
        )
        invitation = Invitation.objects.select_related("client", "practice").get(
            assignment=new.assignment, partner=Partner.A
        )
        url = client_services.invitation_reissue(invitation=invitation)
    assert url is not None
    return urlsplit(url).path


def on_the_form(browser: Browser, live_server: Any, link: str, *, javascript: bool) -> Page:
    context = browser.new_context(
        viewport=PHONE, base_url=live_server.url, java_script_enabled=javascript
    )
    page = context.new_page()
    page.goto(link)
    page.get_by_role("button", name="I understand, start").click()
    expect(page).to_have_url(f"{live_server.url}/respond/section/1/")
    expect(page.locator("fieldset.question").first).to_be_visible()
    return page


def assert_left(page: Page, live_server: Any) -> None:
    """On the neutral page, with the session gone: nothing of the form comes back."""
    expect(page).to_have_url(f"{live_server.url}/today/")
    expect(page).to_have_title(NEUTRAL_TITLE)
    page.go_back()
    expect(page.locator("fieldset.question")).to_have_count(0)
    expect(page.locator("input[type=radio]")).to_have_count(0)
    page.goto("/respond/")
    expect(page.get_by_text(MISSING)).to_be_visible()
    page.goto("/respond/section/1/")
    expect(page.get_by_text(MISSING)).to_be_visible()


def test_one_tap_on_quick_exit_ends_the_session_and_back_does_not_show_the_form(
    browser: Browser, live_server: Any, link: str, artifacts_dir: Path, console_errors: list[str]
) -> None:
    page = on_the_form(browser, live_server, link, javascript=True)
    page.locator("fieldset.question").first.locator("label").nth(2).click()
    expect(page.locator("#save-status")).to_have_text("Saved")
    exit_link = page.get_by_role("link", name="Quick exit")
    expect(exit_link).to_be_visible()
    box = exit_link.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["width"] >= 44
    assert box["y"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    page.screenshot(path=artifacts_dir / "respond-quick-exit-390.png")
    # Still within reach after scrolling down the page.
    page.mouse.wheel(0, 4000)
    expect(exit_link).to_be_in_viewport()
    entries = page.evaluate("history.length")

    exit_link.click()

    expect(page).to_have_url(f"{live_server.url}/today/")
    # The form's entry was replaced, not followed by a new one.
    assert page.evaluate("history.length") == entries
    assert_left(page, live_server)
    assert console_errors == []


def test_the_quick_exit_is_the_first_tab_stop_and_escape_twice_leaves(
    browser: Browser, live_server: Any, link: str
) -> None:
    page = on_the_form(browser, live_server, link, javascript=True)

    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.startswith("Quick exit")
    entries = page.evaluate("history.length")

    page.keyboard.press("Escape")
    page.keyboard.press("Escape")

    expect(page).to_have_url(f"{live_server.url}/today/")
    assert page.evaluate("history.length") == entries
    assert_left(page, live_server)


def test_the_quick_exit_works_without_javascript(
    browser: Browser, live_server: Any, link: str
) -> None:
    page = on_the_form(browser, live_server, link, javascript=False)

    page.get_by_role("link", name="Quick exit").click()

    expect(page).to_have_url(f"{live_server.url}/today/")
    expect(page).to_have_title(NEUTRAL_TITLE)
    page.goto("/respond/section/1/")
    expect(page.get_by_text(MISSING)).to_be_visible()
    expect(page.locator("fieldset.question")).to_have_count(0)
