"""The session agenda: topics picked from a couple's report, ordered and annotated by their
counsellor, printed or exported as a PDF. Only the couple's assigned counsellors reach any of it;
everyone else gets the 404 of a missing page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.assignments import selectors
from assessments.models import Assignment
from assessments.reports import agenda as agendas
from practice.audit import audited
from practice.models import AuditEvent
from practice.pdf import render_pdf
from practice.tenancy import PracticeRequest, member_required

NOTE_PREFIX = "note-"
AGENDA_TEMPLATE = "assessments/agenda.html"


def _assignment(request: PracticeRequest, assignment_id: str) -> Assignment:
    return selectors.assignment_for_counsellor(
        practice=request.practice, member=request.membership, public_id=assignment_id
    )


def _back(request: PracticeRequest, assignment: Assignment) -> HttpResponse:
    return redirect(
        "agenda", practice_slug=request.practice.slug, assignment_id=assignment.public_id
    )


def _messages_of(error: ValidationError) -> list[str]:
    return list(error.messages)


def _context(
    assignment: Assignment,
    *,
    errors: list[str] | None = None,
    own_item: dict[str, str] | None = None,
) -> dict[str, Any]:
    agenda = agendas.agenda_of(assignment)
    items = agendas.agenda_items_shown(agenda, assignment.couple)
    return {
        "assignment": assignment,
        "couple": assignment.couple,
        "agenda": agenda,
        "items": items,
        "errors": errors or [],
        "own_item": own_item or {"title": "", "note": ""},
        "max_title_length": agendas.MAX_TITLE_LENGTH,
    }


def _page(
    request: PracticeRequest,
    assignment: Assignment,
    *,
    errors: list[str] | None = None,
    own_item: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        AGENDA_TEMPLATE,
        _context(assignment, errors=errors, own_item=own_item),
        status=status,
    )


@member_required
@require_http_methods(["GET", "POST"])
@audited(AuditEvent.Action.VIEW, "agenda", "assignment_id", on=("GET",))
@audited(AuditEvent.Action.CHANGE, "agenda", "assignment_id", on=("POST",))
def agenda(request: PracticeRequest, practice_slug: str, assignment_id: str) -> HttpResponse:
    assignment = _assignment(request, assignment_id)
    if request.method == "GET":
        return _page(request, assignment)
    item_notes = {
        key.removeprefix(NOTE_PREFIX): request.POST.get(key, "")
        for key in request.POST
        if key.startswith(NOTE_PREFIX)
    }
    try:
        with transaction.atomic():
            current = agendas.agenda_for_assignment(
                assignment=assignment, created_by=request.membership
            )
            agendas.agenda_update_notes(
                agenda=current, notes=request.POST.get("notes", ""), item_notes=item_notes
            )
    except ValidationError as error:
        return _page(request, assignment, errors=_messages_of(error), status=400)
    messages.success(request, "Agenda saved.")
    return _back(request, assignment)


@member_required
@require_POST
@audited(AuditEvent.Action.CHANGE, "agenda", "assignment_id")
def agenda_add(request: PracticeRequest, practice_slug: str, assignment_id: str) -> HttpResponse:
    assignment = _assignment(request, assignment_id)
    comparison = agendas.comparison_for_topics(assignment, request.POST.get("comparison", ""))
    if comparison is None:
        return _page(
            request,
            assignment,
            errors=["There is no finished comparison to take topics from yet."],
            status=400,
        )
    try:
        # One step for the person clicking: a refused pick leaves no empty agenda behind.
        with transaction.atomic():
            current = agendas.agenda_for_assignment(
                assignment=assignment, created_by=request.membership
            )
            added = agendas.agenda_add_topics(
                agenda=current, comparison=comparison, topic_slugs=request.POST.getlist("topics")
            )
    except ValidationError as error:
        return _page(request, assignment, errors=_messages_of(error), status=400)
    if added:
        count = len(added)
        messages.success(request, f"{count} topic{'s' if count != 1 else ''} added to the agenda.")
    else:
        messages.info(request, "Those topics are already on the agenda.")
    return _back(request, assignment)


@member_required
@require_POST
@audited(AuditEvent.Action.CHANGE, "agenda", "assignment_id")
def agenda_own_item(
    request: PracticeRequest, practice_slug: str, assignment_id: str
) -> HttpResponse:
    assignment = _assignment(request, assignment_id)
    title = request.POST.get("title", "")
    note = request.POST.get("note", "")
    try:
        with transaction.atomic():
            current = agendas.agenda_for_assignment(
                assignment=assignment, created_by=request.membership
            )
            item = agendas.agenda_add_own_item(agenda=current, title=title, note=note)
    except ValidationError as error:
        return _page(
            request,
            assignment,
            errors=_messages_of(error),
            own_item={"title": title, "note": note},
            status=400,
        )
    messages.success(request, f"\u201c{item.title}\u201d added to the agenda.")
    return _back(request, assignment)


@member_required
@require_POST
@audited(AuditEvent.Action.CHANGE, "agenda", "assignment_id")
def agenda_item_move(
    request: PracticeRequest, practice_slug: str, assignment_id: str, item_id: str, direction: str
) -> HttpResponse:
    if direction not in agendas.DIRECTIONS:
        raise Http404
    assignment = _assignment(request, assignment_id)
    item = agendas.agenda_item(agendas.agenda_of(assignment), item_id)
    agendas.agenda_move(item=item, direction=direction)
    return _back(request, assignment)


@member_required
@require_POST
@audited(AuditEvent.Action.CHANGE, "agenda", "assignment_id")
def agenda_item_remove(
    request: PracticeRequest, practice_slug: str, assignment_id: str, item_id: str
) -> HttpResponse:
    assignment = _assignment(request, assignment_id)
    item = agendas.agenda_item(agendas.agenda_of(assignment), item_id)
    agendas.agenda_remove_item(item=item)
    messages.success(request, f"\u201c{item.title}\u201d removed from the agenda.")
    return _back(request, assignment)


@member_required
@require_GET
@audited(AuditEvent.Action.EXPORT, "agenda", "assignment_id")
def agenda_pdf(request: PracticeRequest, practice_slug: str, assignment_id: str) -> HttpResponse:
    assignment = _assignment(request, assignment_id)
    # The PDF is the page's own print view: same template, same context.
    body = render_pdf(request, AGENDA_TEMPLATE, _context(assignment))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="session-agenda-{timezone.localdate().isoformat()}.pdf"'
    )
    response["Cache-Control"] = "no-store, private"
    return response
