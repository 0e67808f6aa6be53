"""The couple page follows a comparison while it runs: the state pill moves from Queued to
Running and the result with its report link appears, without the counsellor reloading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import Page, expect

from assessments.comparisons import services as comparisons
from assessments.models import Comparison
from assessments.respond import services as respond
from clients.models import Couple
from practice.models import Membership, User
from tests.support.answering import answer_all, submit
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
    submitted_a = submit(new.assignment, "a")
    answered_b = answer_all(new.assignment, "b")
    with scope(practice=couple.practice):
        # Queued, its job not yet taken by a worker (a test worker may be running in this
        # process): B's submission finds the comparison there and queues nothing more.
        comparison = Comparison.objects.create(
            practice=couple.practice,
            assignment=new.assignment,
            response_a=submitted_a,
            response_b=answered_b,
            queued_at=timezone.now(),
        )
        respond.response_submit(response=answered_b)
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
