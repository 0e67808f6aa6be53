"""The couple's shared summary pages.

The counsellor's page (under the assignment, the couple's own counsellors only; anyone else
gets the 404 of a missing page) previews exactly what the couple will read, takes the edited
wording of each section, releases and withdraws. The partner's pages open from a private link
exactly as the questionnaire does: `/s/<token>` binds a reader session and drops the token from
the address bar; the page carries the quick exit and the practice's support line.
"""

from __future__ import annotations

import hmac
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_scopes import scope

from assessments.assignments import selectors
from assessments.models import Assignment, SharedSummary, SummaryLink
from assessments.respond.views import GUESS_LIMIT, _count_guess, _guess_key, _no_referrer
from assessments.summary import services
from clients.respondent import READER_KEY
from practice.audit import audited
from practice.models import AuditEvent, Practice
from practice.pdf import render_pdf
from practice.tenancy import PracticeRequest, member_required

COUNSELLOR_TEMPLATE = "summary/counsellor.html"
PARTNER_TEMPLATE = "summary/partner.html"
TEXT_PREFIX = "text-"


def _assignment(request: PracticeRequest, assignment_id: str) -> Assignment:
    return selectors.assignment_for_counsellor(
        practice=request.practice, member=request.membership, public_id=assignment_id
    )


def _error_map(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            key: [str(m) for e in errs for m in e.messages]
            for key, errs in error.error_dict.items()
        }
    return {"summary": list(error.messages)}


def _grouped(sections: list[dict[str, Any]]) -> dict[str, Any]:
    """The sections as `summary/_sections.html` lays them out (the couple's page, its PDF and
    the counsellor's preview all use it, so the preview is what the couple reads)."""
    return {
        "intro": next((row for row in sections if row["kind"] == "intro"), None),
        "strengths": [row for row in sections if row["kind"] == "strength"],
        "work_on": [row for row in sections if row["kind"] == "work_on"],
    }


def _page(
    request: PracticeRequest,
    assignment: Assignment,
    *,
    errors: dict[str, list[str]] | None = None,
    posted: dict[str, str] | None = None,
    links: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    preview = services.summary_preview(assignment)
    sections = [
        {
            **section,
            "shown": services.shown_text(section),
            "field_value": (posted or {}).get(section["key"], section.get("text", "")),
            "errors": (errors or {}).get(section["key"], []),
        }
        for section in preview.sections
    ]
    couple = assignment.couple
    found = services.latest_links(preview.summary)
    context: dict[str, Any] = {
        "assignment": assignment,
        "couple": couple,
        "preview": preview,
        "summary": preview.summary,
        "sections": sections,
        **_grouped(sections),
        "errors": errors or {},
        "general_errors": [
            message
            for key, found in (errors or {}).items()
            if key in ("summary", "safety", "reason", "partner", "__all__")
            for message in found
        ],
        "links": [
            (couple.partner_a.display_name if side == "a" else couple.partner_b.display_name, url)
            for side, url in sorted((links or {}).items())
        ],
        "partner_links": [
            (side, name, found.get(side))
            for side, name in (
                ("a", couple.partner_a.display_name),
                ("b", couple.partner_b.display_name),
            )
        ],
        "preview_fingerprint": services.fingerprint(preview.sections),
        "max_text": services.MAX_SECTION_TEXT,
        "max_reason": services.MAX_REASON_LENGTH,
    }
    response = render(request, COUNSELLOR_TEMPLATE, context, status=status)
    if links:
        response["Cache-Control"] = "no-store, private"
    return response


def _back(request: PracticeRequest, assignment: Assignment) -> HttpResponse:
    return redirect(
        "shared-summary", practice_slug=request.practice.slug, assignment_id=assignment.public_id
    )


@member_required
@require_http_methods(["GET", "POST"])
@audited(AuditEvent.Action.VIEW, "sharedsummary", "assignment_id", on=("GET",))
def summary(request: PracticeRequest, practice_slug: str, assignment_id: str) -> HttpResponse:
    """GET: the preview. POST: the counsellor's wording of each section."""
    assignment = _assignment(request, assignment_id)
    if request.method == "GET":
        return _page(request, assignment)
    texts = {
        key.removeprefix(TEXT_PREFIX): request.POST.get(key, "")
        for key in request.POST
        if key.startswith(TEXT_PREFIX)
    }
    try:
        services.summary_edit(
            assignment=assignment, texts=texts, by=request.membership, request=request
        )
    except ValidationError as error:
        return _page(request, assignment, errors=_error_map(error), posted=texts, status=400)
    messages.success(request, "Summary wording saved. The preview shows what the couple will read.")
    return _back(request, assignment)


@member_required
@require_POST
def summary_release(
    request: PracticeRequest, practice_slug: str, assignment_id: str
) -> HttpResponse:
    assignment = _assignment(request, assignment_id)
    try:
        release = services.summary_release(
            assignment=assignment,
            by=request.membership,
            request=request,
            previewed=request.POST.get("preview", ""),
        )
    except ValidationError as error:
        return _page(request, assignment, errors=_error_map(error), status=400)
    if release.links:
        # Shown this once: only a hash of each token is kept.
        messages.success(
            request, "Summary released. Copy each link below for the partner it names."
        )
        return _page(request, assignment, links=release.links)
    messages.success(
        request, "Summary released. Both partners have been emailed their private link."
    )
    return _back(request, assignment)


@member_required
@require_POST
def summary_withdraw(
    request: PracticeRequest, practice_slug: str, assignment_id: str
) -> HttpResponse:
    assignment = _assignment(request, assignment_id)
    found = services.summary_of(assignment)
    try:
        if found is None:
            raise ValidationError({"summary": "Only a released summary can be withdrawn."})
        services.summary_withdraw(
            summary=found,
            reason=request.POST.get("reason", ""),
            by=request.membership,
            request=request,
        )
    except ValidationError as error:
        return _page(request, assignment, errors=_error_map(error), status=400)
    messages.success(request, "Summary withdrawn. The couple's links no longer work.")
    return _back(request, assignment)


def _released_summary_or_error(assignment: Assignment) -> SharedSummary:
    found = services.summary_of(assignment)
    if found is None or not found.is_released:
        raise ValidationError({"summary": "Release the summary before managing its links."})
    return found


@member_required
@require_POST
def summary_link_revoke(
    request: PracticeRequest, practice_slug: str, assignment_id: str, partner: str
) -> HttpResponse:
    assignment = _assignment(request, assignment_id)
    try:
        services.summary_link_revoke(
            summary=_released_summary_or_error(assignment),
            partner=partner,
            by=request.membership,
            request=request,
        )
    except ValidationError as error:
        return _page(request, assignment, errors=_error_map(error), status=400)
    messages.success(request, "Link revoked. It no longer opens the summary.")
    return _back(request, assignment)


@member_required
@require_POST
def summary_link_reissue(
    request: PracticeRequest, practice_slug: str, assignment_id: str, partner: str
) -> HttpResponse:
    assignment = _assignment(request, assignment_id)
    try:
        url = services.summary_link_reissue(
            summary=_released_summary_or_error(assignment),
            partner=partner,
            by=request.membership,
            request=request,
        )
    except ValidationError as error:
        return _page(request, assignment, errors=_error_map(error), status=400)
    if url is not None:
        messages.success(request, "New link ready. Copy it below; it is shown this once.")
        return _page(request, assignment, links={partner: url})
    messages.success(request, "A new link has been emailed. The earlier link no longer works.")
    return _back(request, assignment)


# The partner's pages ------------------------------------------------------------------------------


def _problem_page(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    return _no_referrer(
        render(request, "respond/link_problem.html", {"reason": reason}, status=status)
    )


@require_safe
def summary_open(request: HttpRequest, token: str) -> HttpResponse:
    """Exchanges the link's token for a reader session (with the invitations' guessing
    throttle) and drops the token from the address bar."""
    key = _guess_key(request)
    if int(cache.get(key, 0)) >= GUESS_LIMIT:
        return _problem_page(request, "throttled", 429)
    link = services.link_by_token(token=token)
    if link is None:
        _count_guess(key)
        return _problem_page(request, "unknown", 404)
    with scope(practice=link.practice):
        problem = services.link_problem(link)
    if problem:
        return _problem_page(request, problem, 410)
    request.session.flush()
    request.session[READER_KEY] = {
        "link": link.pk,
        "practice": link.practice_id,
        "token_hash": link.token_hash,
    }
    return _no_referrer(redirect("summary-read"))


def _reader_link(request: HttpRequest) -> tuple[SummaryLink | None, str]:
    bound = request.session.get(READER_KEY)
    if not isinstance(bound, dict) or request.user.is_authenticated:
        return None, "missing"
    practice_id, link_id = bound.get("practice"), bound.get("link")
    if not isinstance(practice_id, int) or not isinstance(link_id, int):
        request.session.flush()
        return None, "missing"
    practice = Practice.objects.filter(pk=practice_id).first()
    if practice is None:
        request.session.flush()
        return None, "missing"
    with scope(practice=practice):
        link = (
            SummaryLink.objects.select_related("practice", "summary__assignment", "client")
            .filter(pk=link_id)
            .first()
        )
        problem = services.link_problem(link)
        if (
            not problem
            and link is not None
            and not hmac.compare_digest(link.token_hash, str(bound.get("token_hash", "")))
        ):
            problem = "replaced"
    if problem:
        request.session.flush()
        return None, problem
    return link, ""


def _partner_context(link: SummaryLink, *, pdf: bool) -> dict[str, Any]:
    summary = link.summary
    sections = [{**row, "shown": services.shown_text(row)} for row in summary.sections]
    return {
        **_grouped(sections),
        "released_at": summary.released_at,
        "support_line": link.practice.support_line,
        "pdf": pdf,
    }


def _reader_view(request: HttpRequest, *, pdf: bool) -> HttpResponse:
    link, problem = _reader_link(request)
    if link is None:
        return _problem_page(request, problem, 403 if problem == "missing" else 410)
    with scope(practice=link.practice):
        services.link_viewed(
            link=link,
            request=request,
            detail=services.VIEWED + (" (PDF)" if pdf else ""),
        )
        context = _partner_context(link, pdf=pdf)
    if pdf:
        body = render_pdf(request, PARTNER_TEMPLATE, context)
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="our-summary-{timezone.localdate().isoformat()}.pdf"'
        )
    else:
        response = render(request, PARTNER_TEMPLATE, context)
    response["Cache-Control"] = "no-store, private"
    return _no_referrer(response)


@require_safe
def summary_read(request: HttpRequest) -> HttpResponse:
    return _reader_view(request, pdf=False)


@require_safe
def summary_read_pdf(request: HttpRequest) -> HttpResponse:
    return _reader_view(request, pdf=True)
