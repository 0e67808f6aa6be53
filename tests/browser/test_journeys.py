"""The three journeys of product.md walked as a first-time user would, on a phone and a desktop.

Counsellor: sign in → practice → caseload → couple page (assign, links: resend, revoke) → report →
topics into the agenda → print and PDF → the trend of a re-assessed couple. Practice admin: sign in
→ practice home → members (invite, roles, deactivate) → settings → dashboard → add a couple for a
counsellor. Client: link → consent → a page of questions → resume → review → send → done.

Every step saves a full-page screenshot (`journey-<role>-<step>-<width>.png` in the test
artifacts) and checks what someone new needs there: the page's heading, the next link or button
visible and reachable (inside the screen, not covered, a finger-sized target on a phone), no
sideways scrolling of the page, and no errors in the browser console.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django_scopes import scope
from playwright.sync_api import Locator, Page, ViewportSize, expect

from assessments.models import Response
from clients import services as client_services
from clients.models import Couple, Invitation
from practice.models import Practice, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "fulcrum-demo"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
# WCAG 2.5.5 (AAA) and the platform guidelines: 44 CSS px for a finger. Inline text links are
# exempt (WCAG 2.5.8) but must still be 24 px tall.
FINGER = 44
INLINE = 24


@dataclass
class Walk:
    """One person's journey at one screen size: each step is checked, then photographed."""

    page: Page
    role: str
    base: str  # the live server's address
    artifacts: Path
    errors: list[str]

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    @property
    def width(self) -> int:
        size = self.page.viewport_size
        assert size is not None
        return size["width"]

    @property
    def phone(self) -> bool:
        return self.width < 640

    def step(self, name: str, heading: str | re.Pattern[str]) -> None:
        """The page shows `heading` as its title, fits the screen's width and logged no error."""
        expect(self.page.get_by_role("heading", level=1)).to_have_text(heading)
        self.page.wait_for_load_state("load")
        overflow = self.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{name}: the page scrolls sideways by {overflow}px at {self.width}"
        assert self.errors == [], f"{name}: console errors {self.errors}"
        self.page.screenshot(
            path=self.artifacts / f"journey-{self.role}-{name}-{self.width}.png", full_page=True
        )

    def shows_every_column(self, table: Locator) -> None:
        """A list's table shows each row whole, with its actions, without scrolling sideways
        (on a phone each row stacks into a block)."""
        expect(table).to_be_visible()
        hidden = table.evaluate("el => el.scrollWidth - el.clientWidth")
        assert hidden <= 1, f"{hidden}px of the table are hidden at {self.width}"

    def next(self, target: Locator, *, inline: bool = False) -> Locator:
        """The next step is on screen once scrolled to, inside the width, not covered by anything
        else, and big enough to hit with a finger on a phone."""
        expect(target).to_be_visible()
        target.scroll_into_view_if_needed()
        box = target.bounding_box()
        assert box is not None
        label = target.evaluate("el => el.textContent.trim().slice(0, 60)")
        assert box["x"] >= 0, f"{label} is cut off on the left"
        assert box["x"] + box["width"] <= self.width + 1, f"{label} is cut off on the right"
        # A tap at the centre, and (phones) a finger's half-height above and below it, lands on
        # the target itself: nothing overlaps it and the target is tall enough.
        reach = (FINGER if self.phone and not inline else INLINE) / 2 - 1
        for dy in (0, -reach, reach):
            missed = target.evaluate(
                """(el, dy) => {
                  // A radio or checkbox is tapped through the label that wraps it.
                  const area = el.matches("input") && el.closest("label") || el;
                  const r = area.getBoundingClientRect();
                  const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2 + dy);
                  const lands = hit && (hit === area || area.contains(hit));
                  const what = hit && hit.outerHTML.slice(0, 80);
                  return lands ? "" : `${what} (target ${r.height}px tall)`;
                }""",
                dy,
            )
            assert not missed, f"{label!r}: a tap {dy:+.0f}px from its centre hits {missed}"
        return target


def left(target: Locator) -> float:
    box = target.bounding_box()
    assert box is not None
    return round(box["x"])


@dataclass(frozen=True)
class Demo:
    practice: Practice
    counsellor: User
    admin: User
    reassessed: Couple  # three comparisons over time, two of the same instrument
    to_assign: Couple  # both partners have an email: links are mailed, resent and revoked


@pytest.fixture
def demo(library: None) -> Demo:
    call_command("seed_demo", slug="demo", password=PASSWORD, verbosity=0)
    practice = Practice.objects.get(slug="demo")
    with scope(practice=practice):
        return Demo(
            practice=practice,
            counsellor=User.objects.get(email="counsellor@demo.example"),
            admin=User.objects.get(email="admin@demo.example"),
            # With the partners the walk names (outside the scope the database loads none).
            reassessed=Couple.objects.select_related("partner_a", "partner_b").get(
                partner_a__display_name="Morgan Ellis"
            ),
            to_assign=Couple.objects.select_related("partner_a", "partner_b").get(
                partner_a__display_name="Tomás Alvarez"
            ),
        )


def sign_in(walk: Walk, user: User) -> None:
    """Through the real form, from a bookmark to the product."""
    page = walk.page
    walk.goto("/")
    walk.step("sign-in", "Sign in")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    walk.next(page.get_by_role("button", name="Sign in")).click()


@pytest.fixture
def walk_page(page: Page, request: pytest.FixtureRequest) -> Page:
    page.set_viewport_size(request.param)
    return page


@pytest.mark.parametrize("walk_page", SIZES, indirect=True)
def test_the_counsellor_journey(
    walk_page: Page, live_server: Any, demo: Demo, artifacts_dir: Path, console_errors: list[str]
) -> None:
    page = walk_page
    walk = Walk(page, "counsellor", live_server.url, artifacts_dir, console_errors)
    sign_in(walk, demo.counsellor)

    # The demo counsellor works in two practices: the picker comes first.
    walk.step("picker", "Choose a practice")
    # Cards line up under the heading (no list bullets) and the whole card is the link.
    first = page.get_by_role("main").get_by_role("listitem").first
    assert left(first) == left(page.get_by_role("heading", level=1))
    walk.next(page.get_by_role("link", name=demo.practice.name)).click()

    walk.step("caseload", demo.practice.name)
    expect(page.get_by_role("heading", name="Your couples")).to_be_visible()
    walk.shows_every_column(page.get_by_role("region", name="Table of your couples", exact=True))
    walk.next(page.get_by_role("link", name=demo.to_assign.name, exact=True)).click()

    # The couple page: assign an instrument; both partners have an email, so links are mailed.
    walk.step("couple", re.compile(re.escape(demo.to_assign.name)))
    expect(page.get_by_role("heading", name="Assign an instrument")).to_be_visible()
    instrument = page.get_by_label("Instrument", exact=True)
    screener = instrument.locator("option").filter(has_text="Signs of Imbalance Check")
    instrument.select_option(str(screener.get_attribute("value")))
    walk.next(page.get_by_role("button", name="Assign", exact=True)).click()
    expect(page.get_by_role("status").filter(has_text="assigned")).to_be_visible()
    walk.step("assigned", re.compile(re.escape(demo.to_assign.name)))

    # The new assignment's links: each partner's state, resend and revoke.
    newest = page.get_by_role("article").filter(has_text="Signs of Imbalance").first
    walk.shows_every_column(newest.get_by_role("region"))
    partner_b = demo.to_assign.partner_b.display_name
    walk.next(newest.get_by_role("button", name=f"Resend email to {partner_b}")).click()
    expect(page.get_by_role("status").filter(has_text="A new email is on its way")).to_be_visible()
    walk.step("resent", re.compile(re.escape(demo.to_assign.name)))
    newest = page.get_by_role("article").filter(has_text="Signs of Imbalance").first
    walk.next(newest.get_by_role("button", name=f"Revoke {partner_b}'s link")).click()
    newest = page.get_by_role("article").filter(has_text="Signs of Imbalance").first
    expect(newest.get_by_role("row", name=re.compile(partner_b))).to_contain_text("Revoked")
    walk.next(newest.get_by_role("button", name=f"Reissue link for {partner_b}"))
    walk.step("revoked", re.compile(re.escape(demo.to_assign.name)))

    # A couple with done comparisons: the first inventory's report.
    walk.next(page.get_by_role("link", name="Home", exact=True)).click()
    walk.next(page.get_by_role("link", name=demo.reassessed.name, exact=True)).click()
    walk.step("reassessed-couple", re.compile(re.escape(demo.reassessed.name)))
    inventory = page.get_by_role("article").filter(has_text="Balance of Power Inventory")
    walk.next(
        inventory.get_by_role("link", name=re.compile("^Open the report")), inline=True
    ).click()
    walk.step("report", re.compile("Balance of Power Inventory"))
    # A long page: its sections, the topics among them, are a tap away from its top.
    toc = page.get_by_role("navigation", name="On this page")
    expect(toc).to_be_in_viewport()
    walk.next(toc.get_by_role("link", name="Suggested session topics")).click()
    expect(page.get_by_role("heading", name="Suggested session topics")).to_be_in_viewport()

    areas = page.get_by_role("region", name="Areas", exact=True)
    walk.next(areas)
    fits = areas.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    if not walk.phone:
        assert fits, "the areas table is cut off on a desktop screen"
    else:
        # On a phone it scrolls inside its box, which shows a shadow where columns are hidden.
        assert areas.evaluate("el => getComputedStyle(el).overflowX") == "auto"
        assert "radial-gradient" in areas.evaluate("el => getComputedStyle(el).backgroundImage")

    # Topics into the agenda.
    topics = page.get_by_role("region", name="Suggested session topics", exact=True)
    choices = topics.get_by_role("checkbox")
    for index in range(min(2, choices.count())):
        if not choices.nth(index).is_checked():
            walk.next(topics.locator("label").nth(index)).click()  # the whole label is the target
            expect(choices.nth(index)).to_be_checked()
    walk.next(
        page.get_by_role("button", name="Add the chosen topics to the session agenda")
    ).click()

    walk.step("agenda", "Session agenda")
    expect(page.locator(".agenda-item")).not_to_have_count(0)
    walk.next(page.get_by_role("button", name="Print"))
    pdf_link = walk.next(page.get_by_role("link", name="Download PDF"))
    pdf = page.request.get(walk.base + str(pdf_link.get_attribute("href")))
    assert pdf.ok
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    page.emulate_media(media="print")
    walk.step("agenda-print", "Session agenda")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    page.emulate_media(media="screen")

    # The trend: the couple answered the check-in twice.
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    walk.next(crumbs.get_by_role("link", name=demo.reassessed.name)).click()
    check_in = page.get_by_role("article").filter(has_text="Balance Check-in").first
    walk.next(
        check_in.get_by_role("link", name=re.compile("^Open the report")), inline=True
    ).click()
    walk.step("trend", re.compile("Check-in"))
    over_time = page.get_by_role("region", name="Over time", exact=True)
    over_time.scroll_into_view_if_needed()
    expect(
        over_time.get_by_role("img", name=re.compile("^Balance index over re-assessments"))
    ).to_be_visible()


@pytest.mark.parametrize("walk_page", SIZES, indirect=True)
def test_the_practice_admin_journey(
    walk_page: Page, live_server: Any, demo: Demo, artifacts_dir: Path, console_errors: list[str]
) -> None:
    page = walk_page
    walk = Walk(page, "admin", live_server.url, artifacts_dir, console_errors)
    sign_in(walk, demo.admin)

    # One practice: straight to its home page.
    walk.step("home", demo.practice.name)
    nav = page.get_by_role("navigation", name="Main")
    walk.next(nav.get_by_role("link", name="Members")).click()

    walk.step("members", "Members")
    walk.shows_every_column(page.get_by_role("region", name="Members", exact=True))
    # However long the list, inviting someone is a tap away from the top.
    walk.next(page.get_by_role("link", name="Invite a member")).click()
    expect(page.get_by_label("Full name")).to_be_in_viewport()
    expect(page.get_by_role("heading", name="Invite a member")).to_be_visible()
    page.get_by_label("Full name").fill("Riya Patel")
    page.get_by_label("Email").fill("riya.patel@demo.example")
    expect(page.get_by_label("Counsellor")).to_be_checked()
    walk.next(page.get_by_role("button", name="Send invitation")).click()
    expect(page.get_by_role("status").filter(has_text="invited by email")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Riya Patel"))).to_be_visible()
    walk.step("invited", "Members")

    walk.next(page.get_by_role("link", name="Change roles for Jordan Lee")).click()
    walk.step("roles", "Roles for Jordan Lee")
    page.get_by_label("Practice admin").check()
    walk.next(page.get_by_role("button", name="Save roles")).click()
    row = page.get_by_role("row", name=re.compile("Jordan Lee"))
    expect(row).to_contain_text("Admin, Counsellor")

    walk.next(page.get_by_role("button", name="Deactivate Riya Patel")).click()
    expect(page.get_by_role("row", name=re.compile("Riya Patel"))).to_contain_text("Deactivated")
    walk.step("deactivated", "Members")

    walk.next(nav.get_by_role("link", name="Settings")).click()
    walk.step("settings", "Practice settings")
    page.get_by_label("Remind clients after (days)").fill("4")
    walk.next(page.get_by_role("button", name="Save settings")).click()
    expect(page.get_by_role("status").filter(has_text="Practice settings saved")).to_be_visible()

    walk.next(nav.get_by_role("link", name="Dashboard")).click()
    walk.step("dashboard", "Practice dashboard")
    expect(page.get_by_text("Active couples", exact=True).first).to_be_visible()

    walk.next(nav.get_by_role("link", name="Couples")).click()
    walk.step("couples", "Couples")
    walk.shows_every_column(page.get_by_role("region", name="Couples", exact=True))
    walk.next(page.get_by_role("link", name="Add couple").first).click()
    walk.step("add-couple", "Add a couple")
    name = page.get_by_label("Partner A's name")
    # The fields use the screen's width: the partners' groups are not boxes inside the card.
    box = name.bounding_box()
    assert box is not None
    if walk.phone:
        assert box["width"] >= 0.8 * walk.width
    form_top = page.locator("main form").bounding_box()
    legend_top = page.get_by_text("Partner A", exact=True).bounding_box()
    assert form_top is not None
    assert legend_top is not None
    assert legend_top["y"] - form_top["y"] <= 30, "a gap opens the form"
    name.fill("Avery Stone")
    page.get_by_label("Partner B's name").fill("Blake Rivers")
    # The admin counsels too and starts ticked; the form says what ticking means.
    expect(page.get_by_text("only the couple's counsellors read their answers")).to_be_visible()
    walk.next(page.get_by_label(demo.admin.full_name)).uncheck()
    walk.next(page.get_by_label("Jordan Lee")).check()
    walk.next(page.get_by_role("button", name="Add couple")).click()

    walk.step("couple", re.compile("Avery Stone & Blake Rivers"))
    counsellors = page.get_by_role("region", name="Counsellors", exact=True)
    expect(counsellors).to_contain_text("Jordan Lee")
    expect(counsellors).not_to_contain_text(demo.admin.full_name)
    expect(page.get_by_role("heading", name="Assign an instrument")).to_be_visible()
    walk.next(page.get_by_role("button", name="Assign", exact=True))


@dataclass(frozen=True)
class Link:
    path: str
    invitation: Invitation

    def response(self) -> Response:
        with scope(practice=self.invitation.practice):
            return Response.objects.select_related("assignment__instrument_version").get(
                assignment=self.invitation.assignment, partner=self.invitation.partner
            )


@pytest.fixture
def client_link(demo: Demo) -> Link:
    """Priya's link to the inventory she has not opened, reissued for copying (no email)."""
    with scope(practice=demo.practice):
        invitation = Invitation.objects.select_related("client", "practice", "assignment").get(
            client__display_name="Priya Raman", revoked_at__isnull=True
        )
        invitation.client.email = ""
        invitation.client.save(update_fields=["email"])
        url = client_services.invitation_reissue(invitation=invitation)
    assert url is not None
    return Link(urlsplit(url).path, invitation)


def _fill_the_rest(walk: Walk, link: Link) -> None:
    """Answers every question still open, as the page's own autosave would."""
    response = link.response()
    items = response.assignment.instrument_version.items
    rest = {i["id"]: 3 for i in items if i["required"] and i["id"] not in response.answers}
    page = walk.page
    revision = page.request.get(walk.base + "/api/v1/respond/form/").json()["revision"]
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    reply = page.request.put(
        walk.base + "/api/v1/respond/answers/",
        data={"revision": revision, "answers": rest},
        headers={"X-CSRFToken": token},
    )
    assert reply.status == 200, reply.text()


@pytest.mark.parametrize("walk_page", SIZES, indirect=True)
def test_the_client_journey(
    walk_page: Page,
    live_server: Any,
    demo: Demo,
    client_link: Link,
    artifacts_dir: Path,
    console_errors: list[str],
) -> None:
    page = walk_page
    walk = Walk(page, "client", live_server.url, artifacts_dir, console_errors)
    walk.goto(client_link.path)
    walk.step("consent", "Balance of Power Inventory")
    quick_exit = page.get_by_role("link", name=re.compile("^Quick exit"))
    walk.next(quick_exit)
    expect(page.get_by_text("Your counsellor. Never your partner.")).to_be_visible()
    walk.next(page.get_by_role("link", name="This isn't me"))
    walk.next(page.get_by_role("button", name="I understand, start")).click()

    walk.step("section", re.compile("."))
    expect(page.get_by_role("progressbar")).to_be_visible()
    walk.next(quick_exit)
    first = page.locator("fieldset.question").first
    walk.next(first.locator("label").nth(1)).click()
    expect(page.locator("#save-status")).to_have_text("Saved")
    walk.next(page.get_by_role("button", name="Next")).click()
    expect(page).to_have_url(re.compile("/respond/section/2/$"))

    # Later, from the same link: back where the answers stop.
    page.context.clear_cookies()
    walk.goto(client_link.path)
    expect(page).to_have_url(re.compile("/respond/section/"))
    walk.step("resumed", re.compile("."))
    _fill_the_rest(walk, client_link)

    walk.goto("/respond/review/")
    walk.step("review", "Check your answers")
    walk.next(page.get_by_role("button", name="Send my answers")).click()

    expect(page).to_have_url(re.compile("/respond/done/$"))
    walk.step("done", re.compile("."))
    expect(page.get_by_text("Your answers are with your counsellor")).to_be_visible()
    walk.next(quick_exit)
    assert client_link.response().submitted_at is not None
