"""A partner reads the couple's shared summary on a phone: calm, no scores, printable, a PDF,
the quick exit one tap away and the practice's support line at the end."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django_scopes import scope
from playwright.sync_api import Browser, Page, ViewportSize, expect

from assessments.assignments.services import NewAssignment
from assessments.summary import services as summaries
from clients.models import Couple
from practice.models import Membership
from tests.support.comparing import a_holds_the_say, compared

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def link(assignment: NewAssignment, couple: Couple, counsellor_membership: Membership) -> str:
    """A released summary; partner A's link (no email on file, so it is handed over)."""
    comparison = compared(assignment, a_holds_the_say, a_holds_the_say)
    with scope(practice=couple.practice):
        for client in (couple.partner_a, couple.partner_b):
            client.email = ""
            client.save(update_fields=["email"])
        assert comparison.status == "done"
        release = summaries.summary_release(
            assignment=assignment.assignment, by=counsellor_membership
        )
    return urlsplit(release.links["a"]).path


def on_the_summary(browser: Browser, live_server: Any, link: str) -> Page:
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, accept_downloads=True)
    page = context.new_page()
    page.goto(link)
    return page


def test_a_partner_reads_the_summary_on_a_phone(
    browser: Browser, live_server: Any, link: str, artifacts_dir: Path
) -> None:
    page = on_the_summary(browser, live_server, link)

    expect(page).to_have_url(f"{live_server.url}/summary/")  # the token left the address bar
    expect(page.get_by_role("heading", name="Your summary")).to_be_visible()
    expect(page.get_by_role("heading", name="What is going well")).to_be_visible()
    expect(page.get_by_role("heading", name="What you are working on together")).to_be_visible()
    expect(page.get_by_text("If you need support")).to_be_visible()
    # Phone-first: nothing wider than the screen, the quick exit a full tap target.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    exit_link = page.get_by_role("link", name=re.compile("^Quick exit"))
    box = exit_link.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").startswith("Quick exit")
    page.screenshot(path=artifacts_dir / "shared-summary-390.png", full_page=True)
    # No numbers to argue over.
    assert not re.search(r"\d+ ?%|\bindex\b", page.locator("main").inner_text(), re.IGNORECASE)
    violations = Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []

    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename.startswith("our-summary-")

    exit_link.click()
    expect(page).to_have_url(f"{live_server.url}/today/")
    page.goto("/summary/")
    expect(page.get_by_role("heading", name="Open your link to continue")).to_be_visible()
