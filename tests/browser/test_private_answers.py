"""A saved safety answer in a real Chromium: hidden when the page is opened again, and answered
again through the disclosure, with autosave."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django_scopes import scope
from playwright.sync_api import Browser, expect

from assessments.assignments.services import assignment_create
from assessments.models import InstrumentVersion, Response
from clients import services as client_services
from clients.models import Couple, Invitation, Partner
from practice.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAFETY_ITEM = "soi-cf-05"


@pytest.fixture
def link(couple: Couple, library: None, counsellor_membership: Membership) -> str:
    """Partner A's link to the Signs of Imbalance check, as the counsellor copies it."""
    version = InstrumentVersion.objects.current().get(instrument__slug="signs-of-imbalance")
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


def saved_answer(couple: Couple) -> Any:
    with scope(practice=couple.practice):
        return Response.objects.get(partner=Partner.A).answers.get(SAFETY_ITEM)


def test_a_safety_answer_is_hidden_on_return_and_can_be_answered_again(
    browser: Browser,
    live_server: Any,
    couple: Couple,
    link: str,
    artifacts_dir: Path,
    console_errors: list[str],
) -> None:
    page = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url
    ).new_page()
    page.goto(link)
    page.get_by_role("button", name="I understand, start").click()
    page.goto("/respond/section/3/")
    question = page.locator(f"fieldset[data-item='{SAFETY_ITEM}']")
    question.locator("label").nth(3).click()
    expect(page.locator("#save-status")).to_have_text("Saved")
    assert saved_answer(couple) == 4

    page.reload()

    expect(question.get_by_text("Answered — hidden for your privacy")).to_be_visible()
    expect(question.locator("input[type=radio]").first).to_be_hidden()
    assert question.locator("input:checked").count() == 0
    question.scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "respond-private-answer-390.png")

    question.get_by_text("Answer again").click()
    expect(question.locator("input[type=radio]").first).to_be_visible()
    assert question.locator("input:checked").count() == 0
    question.locator("label").nth(1).click()
    expect(page.locator("#save-status")).to_have_text("Saved")
    assert saved_answer(couple) == 2
    assert console_errors == []
