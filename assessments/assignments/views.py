"""Staff actions on a couple's assignments: assign an instrument, manage partners' links,
reopen submitted answers. Each answers on the couple page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from assessments.assignments import selectors, services
from assessments.assignments.forms import AssignForm, ReopenForm
from clients import selectors as client_selectors
from clients import services as client_services
from clients.models import Couple, Invitation
from clients.views import apply_errors, remember_links, render_couple_page
from practice.audit import audited
from practice.models import AuditEvent
from practice.tenancy import PracticeRequest, member_required


def _back(request: PracticeRequest, couple: Couple) -> HttpResponse:
    return redirect(
        "couple-detail", practice_slug=request.practice.slug, couple_id=couple.public_id
    )


@member_required
@require_POST
@audited(AuditEvent.Action.CREATE, "assignment", "couple_id")
def assignment_create(request: PracticeRequest, practice_slug: str, couple_id: str) -> HttpResponse:
    couple = client_selectors.couple_for_member(
        practice=request.practice, member=request.membership, public_id=couple_id
    )
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            new = services.assignment_create(
                couple=couple,
                instrument_version=form.cleaned_data["instrument_version"],
                due_date=form.cleaned_data["due_date"],
                created_by=request.membership,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            remember_links(request, couple, new.links)
            emailed = [couple.partner(s).display_name for s in ("a", "b") if s not in new.links]
            note = f" Emails are on their way to {' and '.join(emailed)}." if emailed else ""
            copy = " Copy the links below now." if new.links else ""
            messages.success(request, f"{new.assignment.instrument_version} assigned.{note}{copy}")
            return _back(request, couple)
    return render_couple_page(request, couple, assign_form=form, status=400)


def _invitation(
    request: PracticeRequest, couple_id: str, invitation_id: str
) -> tuple[Couple, Invitation]:
    couple = client_selectors.couple_for_member(
        practice=request.practice, member=request.membership, public_id=couple_id
    )
    return couple, client_selectors.invitation_for_couple(couple=couple, public_id=invitation_id)


@member_required
@require_POST
@audited(AuditEvent.Action.CHANGE, "invitation", "invitation_id")
def invitation_resend(
    request: PracticeRequest, practice_slug: str, couple_id: str, invitation_id: str
) -> HttpResponse:
    couple, invitation = _invitation(request, couple_id, invitation_id)
    try:
        client_services.invitation_send(invitation=invitation)
    except ValidationError as error:
        return render_couple_page(request, couple, errors=error.messages, status=400)
    messages.success(
        request,
        f"A new email is on its way to {invitation.client}. The link in earlier emails stops "
        "working once it is sent.",
    )
    return _back(request, couple)


@member_required
@require_POST
@audited(AuditEvent.Action.CHANGE, "invitation", "invitation_id")
def invitation_revoke(
    request: PracticeRequest, practice_slug: str, couple_id: str, invitation_id: str
) -> HttpResponse:
    couple, invitation = _invitation(request, couple_id, invitation_id)
    client_services.invitation_revoke(invitation=invitation)
    messages.success(
        request, f"{invitation.client}'s link no longer works. Reissue it to send a new one."
    )
    return _back(request, couple)


@member_required
@require_POST
@audited(AuditEvent.Action.CHANGE, "invitation", "invitation_id")
def invitation_reissue(
    request: PracticeRequest, practice_slug: str, couple_id: str, invitation_id: str
) -> HttpResponse:
    couple, invitation = _invitation(request, couple_id, invitation_id)
    link = client_services.invitation_reissue(invitation=invitation)
    if link is None:
        messages.success(request, f"A new link is on its way to {invitation.client} by email.")
    else:
        remember_links(request, couple, {invitation.partner: link})
        messages.success(request, f"A new link for {invitation.client} is ready below.")
    return _back(request, couple)


@member_required
@require_http_methods(["GET", "POST"])
@audited(AuditEvent.Action.REOPEN, "response", "assignment_id", on=("POST",))
def response_reopen(
    request: PracticeRequest,
    practice_slug: str,
    couple_id: str,
    assignment_id: str,
    partner: str,
) -> HttpResponse:
    # Reopening is clinical work on one partner's answers: the couple's own counsellors only.
    couple = client_selectors.couple_for_counsellor(
        practice=request.practice, member=request.membership, public_id=couple_id
    )
    assignment = selectors.assignment_for_couple(couple=couple, public_id=assignment_id)
    response = selectors.current_response(assignment=assignment, partner=partner)
    if response is None:
        raise Http404
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reopened = services.response_reopen(
                response=response, by=request.membership, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{couple.partner(partner)}'s answers are open again (version "
                f"{reopened.answers_version}); the submitted version is kept unchanged. If their "
                "link has expired or was revoked, reissue it.",
            )
            return _back(request, couple)
    return render(
        request,
        "clients/response_reopen.html",
        {
            "couple": couple,
            "assignment": assignment,
            "client": couple.partner(partner),
            "response": response,
            "form": form,
        },
        status=400 if form.errors else 200,
    )
