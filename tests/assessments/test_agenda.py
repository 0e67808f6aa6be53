"""The session agenda: picking suggested topics, own items, order, notes, the PDF, and who may
reach any of it."""

from __future__ import annotations

import dataclasses
import io
import re
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django_scopes import scope
from pypdf import PdfReader

from assessments.assignments.services import NewAssignment, assignment_create
from assessments.comparisons import services as comparisons
from assessments.engine import scoring
from assessments.models import AgendaItem, Assignment, Comparison, InstrumentVersion, SessionAgenda
from assessments.reports import agenda as agendas
from clients.models import Couple
from practice.models import AuditEvent, Membership, Practice
from tests.factories import CoupleFactory
from tests.support.answering import submit
from tests.support.comparing import a_holds_the_say, b_agrees_a_holds_the_say

pytestmark = pytest.mark.django_db


def computed(new: NewAssignment) -> Comparison:
    """Runs the comparison job's two steps in-process (the worker tests cover the broker)."""
    with scope(practice=new.assignment.practice):
        comparison = Comparison.objects.filter(assignment=new.assignment).latest("created_at")
        comparisons.comparison_start_attempt(comparison_id=comparison.pk)
        return comparisons.comparison_finish(comparison_id=comparison.pk)


@pytest.fixture
def done_comparison(assignment: NewAssignment) -> Comparison:
    submit(assignment.assignment, "a", a_holds_the_say)
    submit(assignment.assignment, "b", b_agrees_a_holds_the_say)
    return computed(assignment)


@pytest.fixture
def suggestions(done_comparison: Comparison) -> tuple[scoring.TopicSuggestion, ...]:
    result = done_comparison.as_result()
    assert result is not None
    assert len(result.topics) >= 3
    return result.topics


def url(name: str, assignment: Assignment, **kwargs: Any) -> str:
    return reverse(
        name,
        kwargs={
            "practice_slug": assignment.practice.slug,
            "assignment_id": assignment.public_id,
            **kwargs,
        },
    )


def items_of(assignment: Assignment) -> list[AgendaItem]:
    with scope(practice=assignment.practice):
        return list(AgendaItem.objects.filter(agenda__assignment=assignment))


def agenda_row(assignment: Assignment) -> SessionAgenda:
    with scope(practice=assignment.practice):
        return SessionAgenda.objects.get(assignment=assignment)


def add_topics(web: Client, assignment: Assignment, *slugs: str) -> Any:
    return web.post(url("agenda-add", assignment), {"topics": list(slugs)})


def add_own(web: Client, assignment: Assignment, title: str, note: str = "") -> Any:
    return web.post(url("agenda-own-item", assignment), {"title": title, "note": note})


def in_names(text: str, new: NewAssignment) -> str:
    couple = new.assignment.couple
    return text.replace("Partner A", couple.partner_a.display_name).replace(
        "Partner B", couple.partner_b.display_name
    )


# Picking topics -------------------------------------------------------------------------------


def test_counsellor_adds_suggested_topics_with_their_rationale_why_and_steps(
    as_counsellor: Client,
    assignment: NewAssignment,
    done_comparison: Comparison,
    suggestions: tuple[scoring.TopicSuggestion, ...],
) -> None:
    first, second = suggestions[0], suggestions[1]

    response = add_topics(as_counsellor, assignment.assignment, second.slug, first.slug)

    assert response.status_code == 302
    assert response["Location"] == url("agenda", assignment.assignment)
    items = items_of(assignment.assignment)
    # In the order the report ranks them, whatever the order of the ticks.
    assert [item.topic_slug for item in items] == [first.slug, second.slug]
    assert [item.position for item in items] == [1, 2]
    assert items[0].title == first.title
    assert items[0].rationale == first.rationale
    assert items[0].why
    assert items[0].steps
    assert all(isinstance(step, str) for step in items[0].steps)
    assert agenda_row(assignment.assignment).comparison_id == done_comparison.pk

    page = as_counsellor.get(url("agenda", assignment.assignment))
    assert page.status_code == 200
    # Stored with neutral labels, shown in the partners' names, as on the report.
    assert "Partner A" in first.rationale or "Partner B" in first.rationale
    assert escape(in_names(first.rationale, assignment)) in page.content.decode()
    assert "Partner A" not in page.content.decode()
    assert "Partner B" not in page.content.decode()
    assert escape(items[0].steps[0]) in page.content.decode()


def test_a_topic_already_on_the_agenda_is_not_added_twice(
    as_counsellor: Client,
    assignment: NewAssignment,
    suggestions: tuple[scoring.TopicSuggestion, ...],
) -> None:
    add_topics(as_counsellor, assignment.assignment, suggestions[0].slug)

    response = add_topics(
        as_counsellor, assignment.assignment, suggestions[0].slug, suggestions[2].slug
    )

    assert response.status_code == 302
    assert [item.topic_slug for item in items_of(assignment.assignment)] == [
        suggestions[0].slug,
        suggestions[2].slug,
    ]


def test_a_topic_that_was_not_suggested_is_refused_with_a_message_and_nothing_is_added(
    as_counsellor: Client,
    assignment: NewAssignment,
    suggestions: tuple[scoring.TopicSuggestion, ...],
) -> None:
    response = add_topics(
        as_counsellor, assignment.assignment, suggestions[0].slug, "individual-safety-check-in"
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Only topics suggested for this couple can be added" in body
    assert "individual-safety-check-in" in body
    assert items_of(assignment.assignment) == []
    with scope(practice=assignment.assignment.practice):
        assert not SessionAgenda.objects.exists()


def test_picking_no_topic_is_refused(
    as_counsellor: Client, assignment: NewAssignment, done_comparison: Comparison
) -> None:
    response = add_topics(as_counsellor, assignment.assignment)

    assert response.status_code == 400
    assert "Pick at least one suggested topic" in response.content.decode()


def test_topics_cannot_be_added_before_the_comparison_is_done(
    as_counsellor: Client, assignment: NewAssignment
) -> None:
    response = add_topics(as_counsellor, assignment.assignment, "shared-decision-making")

    assert response.status_code == 400
    assert "no finished comparison" in response.content.decode()
    assert items_of(assignment.assignment) == []


def test_a_safety_check_in_goes_to_the_top_of_the_agenda(
    as_counsellor: Client,
    assignment: NewAssignment,
    done_comparison: Comparison,
    suggestions: tuple[scoring.TopicSuggestion, ...],
) -> None:
    safety = scoring.TopicSuggestion(
        scoring.SAFETY_TOPIC_SLUG,
        scoring.SAFETY_TOPIC_TITLE,
        None,
        scoring.SAFETY_TRIGGER,
        scoring.SAFETY_TOPIC_SCORE,
        scoring.SAFETY_RATIONALE,
    )
    result = done_comparison.as_result()
    assert result is not None
    flagged = dataclasses.replace(result, topics=(safety, *result.topics))
    with scope(practice=done_comparison.practice):
        Comparison.objects.filter(pk=done_comparison.pk).update(result=flagged.to_dict())
    add_topics(as_counsellor, assignment.assignment, suggestions[0].slug, suggestions[1].slug)

    add_topics(as_counsellor, assignment.assignment, scoring.SAFETY_TOPIC_SLUG)

    items = items_of(assignment.assignment)
    assert [item.topic_slug for item in items] == [
        scoring.SAFETY_TOPIC_SLUG,
        suggestions[0].slug,
        suggestions[1].slug,
    ]
    assert [item.position for item in items] == [1, 2, 3]
    assert items[0].rationale == scoring.SAFETY_RATIONALE


# Own items, order, notes, removal ---------------------------------------------------------------


def test_counsellor_adds_an_own_item_at_the_end(
    as_counsellor: Client,
    assignment: NewAssignment,
    suggestions: tuple[scoring.TopicSuggestion, ...],
) -> None:
    add_topics(as_counsellor, assignment.assignment, suggestions[0].slug)

    response = add_own(
        as_counsellor, assignment.assignment, "  Check in about the holidays ", "Ask both."
    )

    assert response.status_code == 302
    items = items_of(assignment.assignment)
    assert [(item.title, item.topic_slug, item.position) for item in items] == [
        (suggestions[0].title, suggestions[0].slug, 1),
        ("Check in about the holidays", "", 2),
    ]
    assert items[1].counsellor_note == "Ask both."
    assert items[1].is_own


def test_an_own_item_works_before_any_comparison_exists(
    as_counsellor: Client, assignment: NewAssignment
) -> None:
    response = add_own(as_counsellor, assignment.assignment, "Getting to know each other")

    assert response.status_code == 302
    assert [item.title for item in items_of(assignment.assignment)] == [
        "Getting to know each other"
    ]


def test_an_own_item_without_a_title_is_refused_and_the_note_is_kept(
    as_counsellor: Client, assignment: NewAssignment
) -> None:
    response = add_own(as_counsellor, assignment.assignment, "   ", "Keep this note")

    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a title." in body
    assert "Keep this note" in body
    assert items_of(assignment.assignment) == []


def test_moving_an_item_swaps_it_with_its_neighbour(
    as_counsellor: Client,
    assignment: NewAssignment,
    suggestions: tuple[scoring.TopicSuggestion, ...],
) -> None:
    add_topics(as_counsellor, assignment.assignment, *(s.slug for s in suggestions[:3]))
    first, second, third = items_of(assignment.assignment)

    down = as_counsellor.post(
        url("agenda-item-move", assignment.assignment, item_id=first.public_id, direction="down")
    )
    assert down.status_code == 302
    assert [i.pk for i in items_of(assignment.assignment)] == [second.pk, first.pk, third.pk]

    up = as_counsellor.post(
        url("agenda-item-move", assignment.assignment, item_id=third.public_id, direction="up")
    )
    assert up.status_code == 302
    moved = items_of(assignment.assignment)
    assert [i.pk for i in moved] == [second.pk, third.pk, first.pk]
    assert [i.position for i in moved] == [1, 2, 3]


def test_moving_the_first_item_up_changes_nothing(
    as_counsellor: Client,
    assignment: NewAssignment,
    suggestions: tuple[scoring.TopicSuggestion, ...],
) -> None:
    add_topics(as_counsellor, assignment.assignment, *(s.slug for s in suggestions[:2]))
    first, second = items_of(assignment.assignment)

    as_counsellor.post(
        url("agenda-item-move", assignment.assignment, item_id=first.public_id, direction="up")
    )

    assert [i.pk for i in items_of(assignment.assignment)] == [first.pk, second.pk]


def test_a_move_in_an_unknown_direction_is_not_found(
    as_counsellor: Client, assignment: NewAssignment
) -> None:
    add_own(as_counsellor, assignment.assignment, "One")
    (item,) = items_of(assignment.assignment)

    response = as_counsellor.post(
        url("agenda-item-move", assignment.assignment, item_id=item.public_id, direction="left")
    )

    assert response.status_code == 404


def test_saving_the_agenda_keeps_general_notes_and_each_items_note(
    as_counsellor: Client, assignment: NewAssignment
) -> None:
    add_own(as_counsellor, assignment.assignment, "One")
    add_own(as_counsellor, assignment.assignment, "Two", "old note")
    one, two = items_of(assignment.assignment)

    response = as_counsellor.post(
        url("agenda", assignment.assignment),
        {
            "notes": "Start with the good week.\r\nThen money.",
            f"note-{one.public_id}": "Ask Sam first",
            f"note-{two.public_id}": "",
            f"note-{uuid.uuid4()}": "an item removed in another tab",
            "note-not-a-uuid": "ignored",
        },
    )

    assert response.status_code == 302
    agenda = agenda_row(assignment.assignment)
    assert agenda.notes == "Start with the good week.\nThen money."
    assert [i.counsellor_note for i in items_of(assignment.assignment)] == ["Ask Sam first", ""]
    page = as_counsellor.get(url("agenda", assignment.assignment)).content.decode()
    assert "Agenda saved." in page
    assert "Ask Sam first" in page


def test_notes_that_are_too_long_are_refused(
    as_counsellor: Client, assignment: NewAssignment
) -> None:
    response = as_counsellor.post(url("agenda", assignment.assignment), {"notes": "x" * 10_001})

    assert response.status_code == 400
    assert "Keep the notes under 10,000 characters" in response.content.decode()


def test_removing_an_item_closes_the_gap(as_counsellor: Client, assignment: NewAssignment) -> None:
    for title in ("One", "Two", "Three"):
        add_own(as_counsellor, assignment.assignment, title)
    _, two, _ = items_of(assignment.assignment)

    response = as_counsellor.post(
        url("agenda-item-remove", assignment.assignment, item_id=two.public_id)
    )

    assert response.status_code == 302
    left = items_of(assignment.assignment)
    assert [(i.title, i.position) for i in left] == [("One", 1), ("Three", 2)]


# The page and the PDF ----------------------------------------------------------------------------


def test_opening_an_empty_agenda_shows_what_to_do_next_and_creates_nothing(
    as_counsellor: Client, assignment: NewAssignment
) -> None:
    response = as_counsellor.get(url("agenda", assignment.assignment))

    assert response.status_code == 200
    assert "No topics yet — pick suggested topics from the report." in response.content.decode()
    with scope(practice=assignment.assignment.practice):
        assert not SessionAgenda.objects.exists()


def test_the_agenda_page_has_no_inline_script_and_is_not_cached(
    as_counsellor: Client, assignment: NewAssignment
) -> None:
    add_own(as_counsellor, assignment.assignment, "One")

    response = as_counsellor.get(url("agenda", assignment.assignment))

    body = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", body, flags=re.S | re.I)
    assert scripts
    assert all("src=" in attributes and not content.strip() for attributes, content in scripts)
    assert not re.search(r"\son[a-z]+\s*=", body, flags=re.I)
    assert "data-print" in body
    assert "no-store" in response["Cache-Control"]


def pdf_text(pdf: bytes) -> list[str]:
    """The text layer of each page."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_pdf_download_is_an_audited_attachment_that_is_never_cached(
    as_counsellor: Client,
    assignment: NewAssignment,
    suggestions: tuple[scoring.TopicSuggestion, ...],
) -> None:
    add_topics(as_counsellor, assignment.assignment, *(s.slug for s in suggestions[:3]))
    add_own(
        as_counsellor,
        assignment.assignment,
        "Holidays \u2013 \u201cwho decides\u201d",
        "Ask \u2026 gently",
    )

    response = as_counsellor.get(url("agenda-pdf", assignment.assignment))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert re.fullmatch(
        r'attachment; filename="session-agenda-\d{4}-\d{2}-\d{2}\.pdf"',
        response["Content-Disposition"],
    )
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    with scope(practice=assignment.assignment.practice):
        event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.object_type, event.object_id) == ("agenda", str(assignment.assignment.public_id))


def test_the_pdf_is_the_pages_print_view_with_typography_intact(
    as_counsellor: Client,
    assignment: NewAssignment,
    suggestions: tuple[scoring.TopicSuggestion, ...],
) -> None:
    add_topics(as_counsellor, assignment.assignment, suggestions[0].slug)
    add_own(
        as_counsellor,
        assignment.assignment,
        "Holidays \u2013 \u201cwho decides\u201d",
        "Ask \u2026 gently",
    )
    as_counsellor.post(url("agenda", assignment.assignment), {"notes": "Bring the calendar"})
    first = items_of(assignment.assignment)[0]

    response = as_counsellor.get(url("agenda-pdf", assignment.assignment))

    text = " ".join(" ".join(pdf_text(response.content)).split())
    assert "Session agenda" in text
    assert "Sam & Alex" in text
    assert first.title in text
    assert " ".join(in_names(first.rationale, assignment).split()) in text
    assert " ".join(str(first.steps[0]).split()) in text
    assert "Holidays \u2013 \u201cwho decides\u201d" in text
    assert "Ask \u2026 gently" in text
    assert "Bring the calendar" in text
    assert "Confidential: prepared by the couple\u2019s counsellor, not for sharing." in text
    assert "Page 1 of " in text
    # What print hides stays out: navigation, buttons, the form for a new item, and the form's
    # CSRF token (64 letters and digits), which must never sit in a file that gets passed on.
    for hidden in ("Skip to content", "Download PDF", "Save agenda", "Add item"):
        assert hidden not in text, hidden
    assert not re.search(r"[A-Za-z0-9]{64}", text)


def test_an_empty_agenda_still_downloads_as_a_pdf_saying_what_to_do_next(
    as_counsellor: Client, assignment: NewAssignment
) -> None:
    response = as_counsellor.get(url("agenda-pdf", assignment.assignment))

    assert response.status_code == 200
    pages = pdf_text(response.content)
    assert len(pages) == 1
    assert "No topics yet \u2014 pick suggested topics from the report." in pages[0]


def test_a_long_agenda_runs_over_several_pages_each_numbered_and_no_note_is_cut_short(
    as_counsellor: Client, assignment: NewAssignment
) -> None:
    for n in range(1, 9):
        note = f"Note {n}. " + "A line of the counsellor\u2019s note. " * 40 + f"End of note {n}."
        add_own(
            as_counsellor,
            assignment.assignment,
            f"Topic {n} \u2014 a \u201cquoted\u201d title",
            note,
        )

    response = as_counsellor.get(url("agenda-pdf", assignment.assignment))

    pages = pdf_text(response.content)
    assert len(pages) > 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Confidential: prepared by the couple\u2019s counsellor" in page
    text = "\n".join(pages)
    for n in range(1, 9):
        assert f"Topic {n} \u2014 a \u201cquoted\u201d title" in text
        assert f"End of note {n}." in text


# Who may reach it ------------------------------------------------------------------------------


def all_routes(assignment: Assignment, item_id: uuid.UUID) -> list[tuple[str, str]]:
    return [
        ("get", url("agenda", assignment)),
        ("post", url("agenda", assignment)),
        ("post", url("agenda-add", assignment)),
        ("post", url("agenda-own-item", assignment)),
        ("post", url("agenda-item-move", assignment, item_id=item_id, direction="up")),
        ("post", url("agenda-item-remove", assignment, item_id=item_id)),
        ("get", url("agenda-pdf", assignment)),
    ]


@pytest.fixture
def started_agenda(
    as_counsellor: Client, assignment: NewAssignment, suggestions: tuple[Any, ...]
) -> AgendaItem:
    add_topics(as_counsellor, assignment.assignment, suggestions[0].slug)
    (item,) = items_of(assignment.assignment)
    return item


def test_an_admin_who_is_not_the_couples_counsellor_gets_404_everywhere(
    as_admin: Client, assignment: NewAssignment, started_agenda: AgendaItem
) -> None:
    for method, route in all_routes(assignment.assignment, started_agenda.public_id):
        response = getattr(as_admin, method)(route, {"topics": [started_agenda.topic_slug]})
        assert response.status_code == 404, (method, route)
    assert items_of(assignment.assignment) == [started_agenda]


def test_a_member_of_another_practice_gets_404_everywhere(
    as_outsider: Client, assignment: NewAssignment, started_agenda: AgendaItem
) -> None:
    for method, route in all_routes(assignment.assignment, started_agenda.public_id):
        response = getattr(as_outsider, method)(route, {"title": "canary"})
        assert response.status_code == 404, (method, route)
        assert b"Sam" not in response.content
    assert items_of(assignment.assignment) == [started_agenda]


def test_a_practice_member_cannot_reach_another_practices_assignment_through_their_own_slug(
    as_outsider: Client,
    outsider_membership: Membership,
    assignment: NewAssignment,
    started_agenda: AgendaItem,
) -> None:
    own_practice: Practice = outsider_membership.practice
    route = reverse(
        "agenda",
        kwargs={
            "practice_slug": own_practice.slug,
            "assignment_id": assignment.assignment.public_id,
        },
    )

    assert as_outsider.get(route).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(
    anonymous: Client, assignment: NewAssignment, started_agenda: AgendaItem
) -> None:
    for method, route in all_routes(assignment.assignment, started_agenda.public_id):
        response = getattr(anonymous, method)(route)
        assert response.status_code == 302, (method, route)
        assert response["Location"].startswith(reverse("login"))


def test_an_item_of_another_agenda_is_not_found_through_this_one(
    as_counsellor: Client,
    practice: Practice,
    counsellor_membership: Membership,
    assignment: NewAssignment,
    started_agenda: AgendaItem,
) -> None:
    other_couple: Couple = CoupleFactory.create(
        practice=practice,
        partner_a__display_name="Jo",
        partner_b__display_name="Lee",
        counsellors=[counsellor_membership],
    )
    version = InstrumentVersion.objects.current().get(instrument__slug="balance-of-power-inventory")
    with scope(practice=practice):
        other = assignment_create(
            couple=other_couple, instrument_version=version, created_by=counsellor_membership
        ).assignment
    add_own(as_counsellor, other, "Someone else's item")
    (foreign,) = items_of(other)

    move = as_counsellor.post(
        url("agenda-item-move", assignment.assignment, item_id=foreign.public_id, direction="up")
    )
    remove = as_counsellor.post(
        url("agenda-item-remove", assignment.assignment, item_id=foreign.public_id)
    )
    save = as_counsellor.post(
        url("agenda", assignment.assignment), {f"note-{foreign.public_id}": "overwritten?"}
    )

    assert (move.status_code, remove.status_code, save.status_code) == (404, 404, 302)
    assert items_of(other) == [foreign]
    assert items_of(other)[0].counsellor_note == ""


def test_services_refuse_topics_from_another_assignments_comparison(
    assignment: NewAssignment,
    done_comparison: Comparison,
    practice: Practice,
    counsellor_membership: Membership,
) -> None:
    other_couple: Couple = CoupleFactory.create(
        practice=practice, counsellors=[counsellor_membership]
    )
    version = InstrumentVersion.objects.current().get(instrument__slug="balance-of-power-inventory")
    with scope(practice=practice):
        other = assignment_create(
            couple=other_couple, instrument_version=version, created_by=counsellor_membership
        ).assignment
        agenda = agendas.agenda_for_assignment(assignment=other)
        result = done_comparison.as_result()
        assert result is not None
        with pytest.raises(ValidationError, match="another assignment"):
            agendas.agenda_add_topics(
                agenda=agenda, comparison=done_comparison, topic_slugs=[result.topics[0].slug]
            )
