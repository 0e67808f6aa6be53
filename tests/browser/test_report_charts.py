from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from assessments.assignments.services import NewAssignment
from practice.models import Membership, User
from tests.support.comparing import a_holds_the_say, assign, b_agrees_a_holds_the_say, compared

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_couple_report_draws_every_chart_without_console_errors(
    page: Page,
    live_server: Any,
    sign_in_browser: Any,
    console_errors: list[str],
    counsellor: User,
    counsellor_membership: Membership,
    assignment: NewAssignment,
    artifacts_dir: Path,
) -> None:
    compared(assignment, a_holds_the_say, b_agrees_a_holds_the_say)
    # A re-assessment with the same instrument, so the report draws the trend as well.
    again = assign(
        assignment.assignment.couple, "balance-of-power-inventory", counsellor_membership
    )
    compared(again)
    sign_in_browser(counsellor)
    practice = assignment.assignment.practice

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(
        f"{live_server.url}/p/{practice.slug}/assignments/{again.assignment.public_id}/report/"
    )

    charts = page.locator(".chart[data-figure]")
    expect(charts).to_have_count(6)
    for index in range(6):
        chart = charts.nth(index)
        expect(chart).to_have_attribute("data-rendered", "true", timeout=20_000)
        expect(chart.locator("svg.main-svg").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "couple-report.png"), full_page=True)
    assert console_errors == []

    page.locator(".data-table summary").first.click()
    expect(page.locator(".data-table table").first).to_be_visible()
