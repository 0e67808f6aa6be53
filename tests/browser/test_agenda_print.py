"""The session agenda in a real browser: the print button, notes kept when an item moves, and a
print that shows the agenda without the site's navigation and controls."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_scopes import scope
from playwright.sync_api import Page, expect

from assessments.assignments.services import NewAssignment
from assessments.comparisons import services as comparisons
from assessments.models import AgendaItem, Assignment, Comparison
from assessments.reports import agenda as agendas
from practice.models import Membership, User
from tests.support.answering import submit
from tests.support.comparing import a_holds_the_say, b_agrees_a_holds_the_say

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NOTE = "\n".join(f"Line {n} of a long note that must print in full." for n in range(1, 9))


@pytest.fixture
def agenda_assignment(assignment: NewAssignment, counsellor_membership: Membership) -> Assignment:
    """A finished comparison with three of its topics and an own item on the agenda."""
    new = assignment.assignment
    submit(new, "a", a_holds_the_say)
    submit(new, "b", b_agrees_a_holds_the_say)
    with scope(practice=new.practice):
        comparison = Comparison.objects.get(assignment=new)
        comparisons.comparison_start_attempt(comparison_id=comparison.pk)
        comparison = comparisons.comparison_finish(comparison_id=comparison.pk)
        result = comparison.as_result()
        assert result is not None
        agenda = agendas.agenda_for_assignment(assignment=new, created_by=counsellor_membership)
        agendas.agenda_add_topics(
            agenda=agenda, comparison=comparison, topic_slugs=[t.slug for t in result.topics[:3]]
        )
        agendas.agenda_add_own_item(agenda=agenda, title="Plans for the holidays", note=LONG_NOTE)
        agendas.agenda_update_notes(agenda=agenda, notes="Start with the good week.", item_notes={})
    return new


def sign_in(page: Page, live_server: Any, user: User) -> None:
    web = Client()
    web.force_login(user)
    cookie = web.cookies[settings.SESSION_COOKIE_NAME]
    host = urlparse(live_server.url).hostname
    assert host is not None
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "domain": host, "path": "/"}]
    )


def agenda_url(live_server: Any, assignment: Assignment) -> str:
    path = reverse(
        "agenda",
        kwargs={"practice_slug": assignment.practice.slug, "assignment_id": assignment.public_id},
    )
    return f"{live_server.url}{path}"


def items_of(assignment: Assignment) -> list[AgendaItem]:
    with scope(practice=assignment.practice):
        return list(AgendaItem.objects.filter(agenda__assignment=assignment))


def test_the_agenda_prints_without_navigation_or_controls(
    page: Page,
    live_server: Any,
    counsellor: User,
    agenda_assignment: Assignment,
    artifacts_dir: Path,
) -> None:
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    sign_in(page, live_server, counsellor)
    page.goto(agenda_url(live_server, agenda_assignment))
    expect(page.get_by_role("heading", level=1)).to_have_text("Session agenda")
    expect(page.locator(".agenda-item")).to_have_count(4)
    page.screenshot(path=str(artifacts_dir / "agenda-screen.png"), full_page=True)

    # The Print button is wired by agenda.js (no inline handler).
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed++; }; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("() => window.__printed") == 1

    page.emulate_media(media="print")
    for hidden in (
        ".site-header",
        ".site-footer",
        ".breadcrumbs",
        ".agenda-item__controls",
        "[data-print]",
        "text=Download PDF",
        "text=Add your own item",
        "button:has-text('Save agenda')",
    ):
        assert page.locator(hidden).first.is_hidden(), hidden
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".agenda-item").first).to_be_visible()
    expect(page.get_by_role("heading", name="Plans for the holidays")).to_be_visible()
    # Note boxes grow with their text, so no line of a note is cut off on paper.
    note = page.get_by_label("Your note on Plans for the holidays")
    assert note.evaluate("el => el.scrollHeight <= el.clientHeight + 2")

    pdf = page.pdf(path=str(artifacts_dir / "agenda-print.pdf"), format="A4")
    page.screenshot(path=str(artifacts_dir / "agenda-print.png"), full_page=True)
    assert pdf.startswith(b"%PDF")
    assert not [text for text in problems if "Content Security Policy" in text], problems


def test_a_note_typed_before_moving_an_item_is_saved_first(
    page: Page, live_server: Any, counsellor: User, agenda_assignment: Assignment
) -> None:
    first, second, *_ = items_of(agenda_assignment)
    sign_in(page, live_server, counsellor)
    page.goto(agenda_url(live_server, agenda_assignment))

    page.get_by_label(f"Your note on {first.title}").fill("Ask Sam about the car")
    page.get_by_role("button", name=f"Move {first.title} down").click()

    expect(page.locator(".agenda-item").first).to_contain_text(second.title)
    expect(page.get_by_label(f"Your note on {first.title}")).to_have_value("Ask Sam about the car")
    moved = items_of(agenda_assignment)
    assert [item.pk for item in moved[:2]] == [second.pk, first.pk]
    assert moved[1].counsellor_note == "Ask Sam about the car"
