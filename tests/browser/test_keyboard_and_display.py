"""Keyboard alone, with a visible focus at every step; reduced motion; text at 200% and reflow.

A respondent completes a whole form, and a counsellor goes from assigning an instrument to the
report and on to the session agenda, pressing only Tab, arrows, Space and Enter. Every element that
receives focus on the way shows a focus indicator.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django_scopes import scope
from playwright.sync_api import Browser, Page, expect

from assessments.assignments.services import NewAssignment
from assessments.models import Assignment, SessionAgenda
from clients import services as client_services
from clients.models import Couple, Invitation
from practice.models import Membership, User
from tests.support.comparing import a_holds_the_say, assign, b_agrees_a_holds_the_say, compared

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENER = "signs-of-imbalance"
MAX_TABS = 200

# The focus shows on the element itself or, for a radio or checkbox, on the label that wraps it.
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return false; }
  const wrapper = el.matches("input[type=radio], input[type=checkbox]") && el.closest("label");
  const shows = (node) => {
    const style = getComputedStyle(node);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return outline || style.boxShadow !== "none";
  };
  return shows(el) || Boolean(wrapper && shows(wrapper));
}"""


def tab_to(page: Page, selector: str) -> None:
    """Presses Tab until the focused element matches `selector`, checking the focus is visible
    on every element passed on the way."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        described = page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
        assert page.evaluate(FOCUS_SHOWN), f"no visible focus on {described}"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def link_of(couple: Couple, side: str, assignment: Assignment) -> str:
    with scope(practice=couple.practice):
        invitation = Invitation.objects.select_related("client", "practice").get(
            assignment=assignment, partner=side
        )
        invitation.client.email = ""
        invitation.client.save(update_fields=["email"])
        url = client_services.invitation_reissue(invitation=invitation)
    assert url is not None
    return urlsplit(url).path


def test_a_respondent_completes_a_whole_form_with_the_keyboard_alone(
    browser: Browser,
    live_server: Any,
    couple: Couple,
    library: None,
    counsellor_membership: Membership,
) -> None:
    new = assign(couple, SCREENER, counsellor_membership)
    page = browser.new_page(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    page.goto(link_of(couple, "a", new.assignment))

    tab_to(page, "button[type=submit]")  # past the quick exit, to "I understand, start"
    page.keyboard.press("Enter")
    page.wait_for_url("**/respond/section/1/")
    while "/respond/section/" in page.url:
        questions = page.locator("fieldset.question").count()
        for _ in range(questions):
            tab_to(page, "input[type=radio]:not(:checked)")
            page.keyboard.press("Space")
            assert page.evaluate("() => document.activeElement.checked")
        here = page.url
        tab_to(page, "button[value=next], button[value=review]")
        page.keyboard.press("Enter")
        expect(page).not_to_have_url(here)
    expect(page).to_have_url(f"{live_server.url}/respond/review/")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/respond/done/")
    with scope(practice=couple.practice):
        response = new.assignment.responses.get(partner="a")
    assert response.submitted_at is not None
    assert len(response.answers) == new.assignment.instrument_version.item_count


def test_a_counsellor_assigns_reads_the_report_and_plans_with_the_keyboard_alone(
    browser: Browser,
    live_server: Any,
    sign_in_browser: Any,
    page: Page,
    couple: Couple,
    library: None,
    counsellor: User,
    counsellor_membership: Membership,
) -> None:
    sign_in_browser(counsellor)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/p/{couple.practice.slug}/couples/{couple.public_id}/")

    tab_to(page, "select[name=instrument_version]")
    page.keyboard.press("ArrowDown")
    tab_to(page, "form[action$='/assign/'] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("assigned.", exact=False)).to_be_visible()
    with scope(practice=couple.practice):
        assignment = Assignment.objects.filter(couple=couple).latest("created_at")
    compared(NewAssignment(assignment, {}), a_holds_the_say, b_agrees_a_holds_the_say)
    page.reload()

    tab_to(page, f"a[href$='/assignments/{assignment.public_id}/report/']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(
        f"{live_server.url}/p/{couple.practice.slug}/assignments/{assignment.public_id}/report/"
    )
    tab_to(page, "input[name=topics]:not(:checked)")
    page.keyboard.press("Space")
    tab_to(page, "form[action$='/agenda/add/'] button[type=submit]")
    page.keyboard.press("Enter")

    expect(page).to_have_url(
        f"{live_server.url}/p/{couple.practice.slug}/assignments/{assignment.public_id}/agenda/"
    )
    with scope(practice=couple.practice):
        agenda = SessionAgenda.objects.get(assignment=assignment)
        assert agenda.items.count() >= 1


def test_motion_is_left_out_when_the_person_asks_for_less(
    browser: Browser, live_server: Any
) -> None:
    page = browser.new_page(base_url=live_server.url)
    page.goto("/login/")
    duration = "() => getComputedStyle(document.querySelector('.btn')).transitionDuration"

    moving = page.evaluate(duration)
    page.emulate_media(reduced_motion="reduce")
    still = page.evaluate(duration)

    assert moving != "0s"
    assert still == "0s"


# WCAG 1.4.4: text at 200% on a desktop screen; 1.4.10: content reflows at 320 CSS pixels.
@pytest.mark.parametrize(("width", "text_size"), [(1280, "200%"), (320, "100%")])
def test_pages_keep_everything_at_200_percent_text_and_reflow_without_sideways_scrolling(
    browser: Browser,
    live_server: Any,
    couple: Couple,
    library: None,
    counsellor: User,
    counsellor_membership: Membership,
    width: int,
    text_size: str,
) -> None:
    new = assign(couple, SCREENER, counsellor_membership)
    compared(new, a_holds_the_say, b_agrees_a_holds_the_say)
    web = Client()
    web.force_login(counsellor)
    context = browser.new_context(
        viewport={"width": width, "height": 900}, base_url=live_server.url
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": web.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    slug = couple.practice.slug
    for path in (
        f"/p/{slug}/",
        f"/p/{slug}/couples/{couple.public_id}/",
        f"/p/{slug}/assignments/{new.assignment.public_id}/report/",
        f"/p/{slug}/assignments/{new.assignment.public_id}/agenda/",
    ):
        page.goto(path)
        page.add_style_tag(content=f"html {{ font-size: {text_size} !important; }}")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at {width}px, {text_size}"
    context.close()
