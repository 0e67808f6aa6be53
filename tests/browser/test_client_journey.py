"""A partner's whole journey in a real Chromium: link, consent, autosave, resume, review, submit."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django_scopes import scope
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from assessments.assignments.services import assignment_create
from assessments.models import InstrumentVersion, Response
from clients import services as client_services
from clients.models import Couple, Invitation, Partner
from practice.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
SAVED = "Saved"
CONFLICT = "Your answers were changed in another window. We've loaded the latest answers."


@pytest.fixture
def links(couple: Couple, library: None, counsellor_membership: Membership) -> dict[str, str]:
    """The inventory given to the couple; each partner's link reissued for copying (no email),
    as a counsellor does for a client without an address."""
    version = InstrumentVersion.objects.current().get(instrument__slug="balance-of-power-inventory")
    with scope(practice=couple.practice):
        for client in (couple.partner_a, couple.partner_b):
            client.email = ""
            client.save(update_fields=["email"])
        new = assignment_create(
            couple=couple, instrument_version=version, created_by=counsellor_membership
        )
        paths = {}
        for invitation in Invitation.objects.filter(assignment=new.assignment).select_related(
            "client", "practice"
        ):
            url = client_services.invitation_reissue(invitation=invitation)
            assert url is not None
            paths[invitation.partner] = urlsplit(url).path
    return paths


def responses(couple: Couple) -> dict[str, Response]:
    with scope(practice=couple.practice):
        rows = Response.objects.select_related("assignment__instrument_version")
        return {r.partner: r for r in rows}


def question(page: Page, index: int) -> Any:
    return page.locator("fieldset.question").nth(index)


def tap(page: Page, index: int, value: int) -> str:
    """Taps the answer's label (the whole box is the target), waits for the autosave."""
    fieldset = question(page, index)
    fieldset.locator("label").nth(value - 1).click()
    expect(page.locator("#save-status")).to_have_text(SAVED)
    return str(fieldset.get_attribute("data-item"))


def fill_the_rest_through_the_api(page: Page, couple: Couple, side: str) -> dict[str, int]:
    """Answers every required question still open, as the page's own autosave would."""
    saved = responses(couple)[side]
    items = saved.assignment.instrument_version.items
    rest = {i["id"]: 3 for i in items if i["required"] and i["id"] not in saved.answers}
    revision = page.request.get("/api/v1/respond/form/").json()["revision"]
    reply = page.request.put(
        "/api/v1/respond/answers/",
        data={"revision": revision, "answers": rest},
        headers={
            "X-CSRFToken": page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
        },
    )
    assert reply.status == 200, reply.text()
    return rest


def new_page(browser: Browser, live_server: Any, viewport: ViewportSize) -> Page:
    context: BrowserContext = browser.new_context(viewport=viewport, base_url=live_server.url)
    return context.new_page()


def test_both_partners_answer_autosave_resume_review_and_submit(
    browser: Browser, live_server: Any, couple: Couple, links: dict[str, str], artifacts_dir: Path
) -> None:
    clicked: dict[str, dict[str, int]] = {}
    for side in (Partner.A, Partner.B):
        page = new_page(browser, live_server, PHONE)
        page.goto(links[side])
        expect(page).to_have_url(f"{live_server.url}/respond/")
        assert "/i/" not in page.url
        expect(page.get_by_text("Your counsellor. Never your partner.")).to_be_visible()
        if side == Partner.A:
            page.screenshot(path=artifacts_dir / "respond-consent-390.png", full_page=True)
        page.get_by_role("button", name="I understand, start").click()
        expect(page).to_have_url(f"{live_server.url}/respond/section/1/")

        mine = {tap(page, 0, 1 if side == Partner.A else 5): 1 if side == Partner.A else 5}
        mine[tap(page, 1, 4)] = 4
        mine[tap(page, 2, 2)] = 2
        percent = 300 // responses(couple)[side].assignment.instrument_version.item_count
        expect(page.locator(".progress__label")).to_have_text(
            f"Section 1 of 9 · {percent}% answered"
        )
        if side == Partner.A:
            page.screenshot(path=artifacts_dir / "respond-section-390.png", full_page=True)
            page.screenshot(path=artifacts_dir / "respond-section-390-screen.png")
            page.set_viewport_size(DESKTOP)
            page.screenshot(path=artifacts_dir / "respond-section-1280.png", full_page=True)
            page.set_viewport_size(PHONE)

        page.reload()  # autosave survived: the server, not the browser, remembers
        for index, value in enumerate(mine.values()):
            expect(question(page, index).locator("input").nth(value - 1)).to_be_checked()
        page.get_by_role("button", name="Next").click()
        expect(page).to_have_url(f"{live_server.url}/respond/section/2/")
        page.context.close()

        # Later, on another device: the same link resumes where the answers stop.
        page = new_page(browser, live_server, PHONE)
        page.goto(links[side])
        expect(page).to_have_url(f"{live_server.url}/respond/section/1/")
        for index, value in enumerate(mine.values()):
            expect(question(page, index).locator("input").nth(value - 1)).to_be_checked()
        if side == Partner.A:
            page.goto("/respond/review/")
            expect(page.get_by_role("heading", name="Still to answer")).to_be_visible()
            page.screenshot(path=artifacts_dir / "respond-review-missing-390.png")
        mine.update(fill_the_rest_through_the_api(page, couple, side))

        page.goto("/respond/review/")
        expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
        expect(
            page.get_by_text("You have answered every question that needs an answer")
        ).to_be_visible()
        if side == Partner.A:
            page.screenshot(path=artifacts_dir / "respond-review-390.png", full_page=True)
        page.get_by_role("button", name="Send my answers").click()
        expect(page).to_have_url(f"{live_server.url}/respond/done/")
        expect(page.get_by_text("Your answers are with your counsellor")).to_be_visible()
        page.goto("/respond/section/1/")
        expect(page).to_have_url(f"{live_server.url}/respond/done/")
        clicked[side] = mine
        page.context.close()

    final = responses(couple)
    assert final[Partner.A].submitted_at is not None
    assert final[Partner.B].submitted_at is not None
    assert final[Partner.A].answers == clicked[Partner.A]
    assert final[Partner.B].answers == clicked[Partner.B]


def test_a_stale_tab_gets_the_conflict_message_and_the_latest_answer(
    browser: Browser, live_server: Any, couple: Couple, links: dict[str, str], artifacts_dir: Path
) -> None:
    first = new_page(browser, live_server, PHONE)
    first.goto(links[Partner.A])
    first.get_by_role("button", name="I understand, start").click()
    expect(first).to_have_url(f"{live_server.url}/respond/section/1/")
    second = first.context.new_page()
    second.goto("/respond/section/1/")

    item = tap(first, 0, 2)
    question(second, 0).locator("label").nth(3).click()

    expect(second.locator("#save-status")).to_have_text(CONFLICT)
    expect(question(second, 0).locator("input").nth(1)).to_be_checked()
    expect(question(second, 0).locator("input").nth(3)).not_to_be_checked()
    item_count = responses(couple)[Partner.A].assignment.instrument_version.item_count
    expect(second.locator("[data-progress-percent]")).to_have_text(str(100 // item_count))
    second.screenshot(path=artifacts_dir / "respond-conflict-390.png")
    assert responses(couple)[Partner.A].answers == {item: 2}
    # The stale tab now holds the latest revision: its next change saves normally.
    item_2 = tap(second, 1, 5)
    assert responses(couple)[Partner.A].answers == {item: 2, item_2: 5}


def test_a_dropped_connection_is_reported_and_the_answer_saved_when_back_online(
    browser: Browser, live_server: Any, couple: Couple, links: dict[str, str]
) -> None:
    page = new_page(browser, live_server, PHONE)
    page.goto(links[Partner.A])
    page.get_by_role("button", name="I understand, start").click()
    expect(page).to_have_url(f"{live_server.url}/respond/section/1/")

    page.context.set_offline(True)
    question(page, 0).locator("label").nth(2).click()
    # The autosave waits a moment before it sends; a loaded machine needs more than the default.
    expect(page.locator("#save-status")).to_have_text(
        "Couldn't save — check your connection; we'll retry", timeout=15000
    )
    page.context.set_offline(False)

    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=15000)
    item = str(question(page, 0).get_attribute("data-item"))
    assert responses(couple)[Partner.A].answers == {item: 3}


def test_next_pressed_while_a_save_is_on_its_way_waits_for_it_and_moves_on(
    browser: Browser, live_server: Any, couple: Couple, links: dict[str, str]
) -> None:
    """A quick Next right after the last answer used to send the page with the revision from
    before that answer's save and land on "changed in another window"."""
    page = new_page(browser, live_server, PHONE)
    page.goto(links[Partner.A])
    page.get_by_role("button", name="I understand, start").click()
    expect(page).to_have_url(f"{live_server.url}/respond/section/1/")
    questions = page.locator("fieldset.question")
    items = [str(questions.nth(i).get_attribute("data-item")) for i in range(questions.count())]
    for index in range(len(items) - 1):
        tap(page, index, 3)

    held: list[Any] = []
    # The last save is slow to go out.
    page.route("**/api/v1/respond/answers/", lambda route: held.append(route))
    questions.last.locator("label").nth(2).click()
    while not held:
        page.wait_for_timeout(50)
    page.get_by_role("button", name="Next").click()
    page.wait_for_timeout(500)
    assert page.url.endswith("/respond/section/1/"), "the page went before its save"
    held[0].continue_()

    expect(page).to_have_url(f"{live_server.url}/respond/section/2/")
    expect(page.locator(".form-errors")).to_have_count(0)
    assert responses(couple)[Partner.A].answers == dict.fromkeys(items, 3)
