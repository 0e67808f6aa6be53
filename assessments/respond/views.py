"""The respondent's pages: open the private link, consent, answer one area per page, review,
submit. Nothing here names a couple, a practice or a partner in its URL: the session says who the
respondent is, and every view reaches only that partner's own response.

The pages work without JavaScript (each section is a real form); `static/js/respond.js` adds
autosave through the respondent API on top.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments.models import InstrumentVersion, Response
from assessments.respond import services
from assessments.respond.privacy import answer_hidden, answer_shown, is_private
from assessments.respond.selectors import Section, form_sections
from clients import services as client_services
from clients.models import Invitation
from clients.respondent import (
    READER_KEY,
    SESSION_KEY,
    bind,
    link_problem,
    respondent_required,
    unbind,
)
from clients.selectors import invitation_by_token
from practice.audit import audited
from practice.client_address import client_address
from practice.models import AuditEvent
from practice.tenancy import practice_scope

# Guessing throttle for /i/<token>: unknown tokens per client address per window.
GUESS_LIMIT = 20
GUESS_WINDOW = 10 * 60

REASSURANCE = "Only your counsellor reads your answers. Your partner never sees them."
CONFLICT_MESSAGE = (
    "Your answers were changed in another window. We've loaded the latest answers: "
    "please check this page and continue."
)


class RespondentRequest(HttpRequest):
    invitation: Invitation


def _client_address(request: HttpRequest) -> str:
    # Never the raw forwarded-for header: a guesser would pick a fresh address for every attempt.
    return client_address(request) or "unknown"


def _guess_key(request: HttpRequest) -> str:
    return f"respond:guesses:{_client_address(request)}"


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The token is in this URL: never let it leak to another site through the Referer header.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _count_guess(key: str) -> None:
    # incr() is atomic on Redis; touch() then restarts the window, because some backends' incr()
    # resets the expiry to their default. The lockout thus ends GUESS_WINDOW after the last miss.
    if not cache.add(key, 1, GUESS_WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, GUESS_WINDOW)
    cache.touch(key, GUESS_WINDOW)


@require_safe
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """Exchanges the link's token for a respondent session and drops the token from the
    address bar. Whatever session the browser had before (a staff login too) is replaced."""
    key = _guess_key(request)
    if int(cache.get(key, 0)) >= GUESS_LIMIT:
        return _no_referrer(link_problem(request, "throttled", status=429))
    invitation = invitation_by_token(token=token)
    if invitation is None:
        _count_guess(key)
        return _no_referrer(link_problem(request, "unknown", status=404))
    with practice_scope(invitation.practice):
        if not invitation.is_usable:
            return _no_referrer(link_problem(request, invitation.state))
        bind(request, invitation)
    return _no_referrer(redirect("respond-start"))


# Helpers --------------------------------------------------------------------------------------


def _version(invitation: Invitation) -> InstrumentVersion:
    return invitation.assignment.instrument_version


def _sections(response: Response, version: InstrumentVersion) -> list[Section]:
    return form_sections(version=version, order=response.item_order)


def _percent(response: Response, version: InstrumentVersion) -> int:
    return response.answered_count * 100 // max(version.item_count, 1)


def _resume_url(response: Response, sections: list[Section]) -> str:
    """The first section with an unanswered question, or the review when all are answered."""
    for section in sections:
        if any(item["id"] not in response.answers for item in section.items):
            return reverse("respond-section", kwargs={"number": section.number})
    return reverse("respond-review")


def _with_answers(section: Section, answers: dict[str, Any]) -> Section:
    """The section with each item's saved answer attached, for `_questions.html`. A private
    (safety) item's answer is never attached: the item only says that it is answered."""
    items = [
        {
            **item,
            "answer": answer_shown(item, answers),
            "hidden": answer_hidden(item, answers),
        }
        for item in section.items
    ]
    return Section(section.number, section.slug, section.title, items)


def _done() -> HttpResponseRedirect:
    return redirect("respond-done")


# Pages ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@respondent_required
@audited(AuditEvent.Action.CHANGE, "response", on=("POST",))
def start(request: RespondentRequest) -> HttpResponse:
    """Consent first (who sees the answers, how saving works); afterwards, resume."""
    invitation = request.invitation
    version = _version(invitation)
    if invitation.consented_at is None:
        if request.method != "POST":
            return render(
                request,
                "respond/consent.html",
                {"instrument": version, "support_line": invitation.practice.support_line},
            )
        client_services.invitation_consent(invitation=invitation)
    response = services.response_for_invitation(invitation=invitation)
    if response.is_submitted:
        return _done()
    return redirect(_resume_url(response, _sections(response, version)))


def _render_section(
    request: RespondentRequest,
    response: Response,
    sections: list[Section],
    number: int,
    *,
    answers: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    version = _version(request.invitation)
    section = sections[number - 1]
    return render(
        request,
        "respond/section.html",
        {
            "instrument": version,
            "section": _with_answers(section, response.answers if answers is None else answers),
            "section_count": len(sections),
            "percent": _percent(response, version),
            "revision": response.revision,
            "is_last": number == len(sections),
            "error": error,
            "reassurance": REASSURANCE,
        },
        status=status,
    )


def _posted_answers(request: HttpRequest, section: Section) -> dict[str, object]:
    """The radios of this section that were ticked. A value that is not a number is passed on
    as it is, so the service rejects it with its own message."""
    posted: dict[str, object] = {}
    for item in section.items:
        raw = request.POST.get(item["id"])
        if raw is None or raw == "":
            continue
        try:
            posted[item["id"]] = int(raw)
        except ValueError:
            posted[item["id"]] = raw
    return posted


def _next_url(action: str, number: int, count: int) -> str:
    if action == "previous" and number > 1:
        return reverse("respond-section", kwargs={"number": number - 1})
    if action == "review" or number >= count:
        return reverse("respond-review")
    return reverse("respond-section", kwargs={"number": number + 1})


@require_http_methods(["GET", "HEAD", "POST"])
@respondent_required
@audited(AuditEvent.Action.CHANGE, "response", on=("POST",))
def section(request: RespondentRequest, number: int) -> HttpResponse:
    """One area per page. POST saves the section's answers (the path without JavaScript) and
    moves on; a stale revision shows the answers saved meanwhile, never overwriting them."""
    invitation = request.invitation
    if invitation.consented_at is None:
        return redirect("respond-start")
    response = services.response_for_invitation(invitation=invitation)
    if response.is_submitted:
        return _done()
    sections = _sections(response, _version(invitation))
    if not 1 <= number <= len(sections):
        raise Http404
    if request.method != "POST":
        return _render_section(request, response, sections, number)

    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        return _render_section(
            request,
            response,
            sections,
            number,
            error="Something went wrong: please try again.",
            status=400,
        )
    posted = _posted_answers(request, sections[number - 1])
    # Only what differs from the saved answers is a change; resending a page that matches what
    # is stored (a stale tab that changed nothing) overwrites nothing and needs no revision.
    # A private answer posted is always a change: were it compared, a stale page would move on
    # or stop depending on the saved value, and so reveal it to whoever holds the phone.
    private = {item["id"] for item in sections[number - 1].items if is_private(item)}
    changes = {k: v for k, v in posted.items() if k in private or response.answers.get(k) != v}
    if changes:
        try:
            services.response_save_answers(response=response, revision=revision, answers=changes)
        except services.StaleRevision as stale:
            return _render_section(
                request, stale.current, sections, number, error=CONFLICT_MESSAGE, status=409
            )
        except services.ResponseLocked:
            return _done()
        except ValidationError:
            return _render_section(
                request,
                response,
                sections,
                number,
                error="Please choose one of the answers shown for each question.",
                status=400,
            )
    return redirect(_next_url(request.POST.get("go", "next"), number, len(sections)))


def _render_review(
    request: RespondentRequest,
    response: Response,
    *,
    submit_failed: bool = False,
    status: int = 200,
) -> HttpResponse:
    sections = _sections(response, _version(request.invitation))
    summary: list[dict[str, Any]] = []
    missing_ids = set(services.missing_required(response))
    missing: list[dict[str, Any]] = []
    for section in sections:
        answered = sum(1 for item in section.items if item["id"] in response.answers)
        summary.append({"section": section, "answered": answered, "total": len(section.items)})
        missing.extend(
            {"section": section.number, "id": item["id"], "text": item["text"]}
            for item in section.items
            if item["id"] in missing_ids
        )
    return render(
        request,
        "respond/review.html",
        {
            "instrument": _version(request.invitation),
            "summary": summary,
            "missing": missing,
            "submit_failed": submit_failed,
            "reassurance": REASSURANCE,
        },
        status=status,
    )


@require_safe
@respondent_required
def review(request: RespondentRequest) -> HttpResponse:
    if request.invitation.consented_at is None:
        return redirect("respond-start")
    response = services.response_for_invitation(invitation=request.invitation)
    if response.is_submitted:
        return _done()
    return _render_review(request, response)


@require_POST
@respondent_required
@audited(AuditEvent.Action.SUBMIT, "response")
def submit(request: RespondentRequest) -> HttpResponse:
    """Submitting twice (a double click, a second tab) ends on the same done page."""
    if request.invitation.consented_at is None:
        return redirect("respond-start")
    response = services.response_for_invitation(invitation=request.invitation)
    try:
        services.response_submit(response=response)
    except services.IncompleteResponse:
        return _render_review(request, response, submit_failed=True, status=400)
    return _done()


@require_safe
@respondent_required
def done(request: RespondentRequest) -> HttpResponse:
    response = services.response_for_invitation(invitation=request.invitation)
    if not response.is_submitted:
        return redirect("respond-start")
    return render(
        request, "respond/done.html", {"support_line": request.invitation.practice.support_line}
    )


@require_http_methods(["GET", "HEAD", "POST"])
@respondent_required
def not_me(request: RespondentRequest) -> HttpResponse:
    """ "This isn't me": the link stops working at once and the counsellors are told."""
    if request.method != "POST":
        return render(request, "respond/not_me.html")
    client_services.invitation_report_wrong_person(invitation=request.invitation)
    unbind(request)
    return render(request, "respond/not_me_done.html")


# Quick exit ----------------------------------------------------------------------------------


@require_safe
def quick_exit(request: HttpRequest) -> HttpResponse:
    """One tap away from the questionnaire: ends the respondent session and lands on a neutral
    page. A GET, so that it works as a plain link without JavaScript and through
    `location.replace()` with it (which keeps the form out of the back button's reach). Only a
    respondent session is ended: a staff login in the same browser is left alone, so another
    site linking here can at worst end a respondent session, which the link opens again."""
    if (
        SESSION_KEY in request.session or READER_KEY in request.session
    ) and not request.user.is_authenticated:
        unbind(request)
    response = redirect("neutral-page")
    # Nothing of the form may be kept by the browser for the back button to show.
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def neutral_page(request: HttpRequest) -> HttpResponse:
    """Where the quick exit lands: a calm page that says nothing about counselling or about
    this site, with no way back into the questionnaire."""
    return render(request, "neutral.html")
