"""The couple page follows a comparison while it runs: the state pill moves from Queued to
Running and the result with its report link appears, without the counsellor reloading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django_scopes import scope
from playwright.sync_api import Page, expect

from assessments.comparisons import services as comparisons
from assessments.models import Comparison
from clients.models import Couple
from practice.models import Membership, User
from tests.support.answering import submit
from tests.support.comparing import assign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_couple_page_follows_a_running_comparison_to_its_report(
    live_server: Any,
    sign_in_browser: Any,
    page: Page,
    couple: Couple,
    library: None,
    counsellor: User,
    counsellor_membership: Membership,
    artifacts_dir: Path,
) -> None:
    new = assign(couple, "balance-of-power-inventory", counsellor_membership)
    submit(new.assignment, "a")
    submit(new.assignment, "b")
    with scope(practice=couple.practice):
        comparison = Comparison.objects.get(assignment=new.assignment)
    sign_in_browser(counsellor)
    page.goto(f"{live_server.url}/p/{couple.practice.slug}/couples/{couple.public_id}/")
    card = page.locator(f"#assignment-{new.assignment.public_id}").locator("xpath=..")
    pill = card.locator("[data-status-url]")
    expect(pill).to_have_text("Queued")

    with scope(practice=couple.practice):
        comparisons.comparison_start_attempt(comparison_id=comparison.pk)
    expect(pill).to_have_text("Running", timeout=15000)

    with scope(practice=couple.practice):
        comparisons.comparison_finish(comparison_id=comparison.pk)
    report = card.get_by_role("link", name="Open the report")
    expect(report).to_be_visible(timeout=20000)
    expect(card.locator("[data-status-url]")).to_have_count(0)
    page.screenshot(path=artifacts_dir / "couple-comparison-done-1280.png", full_page=True)
    report.click()
    expect(page).to_have_url(
        f"{live_server.url}/p/{couple.practice.slug}/assignments/{new.assignment.public_id}/report/"
    )
