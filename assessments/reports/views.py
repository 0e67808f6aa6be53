"""The couple report (assigned counsellors only) and the actions taken from it."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from assessments.assignments import selectors
from assessments.comparisons import services as comparisons
from assessments.models import Comparison
from assessments.reports import report
from practice.audit import audited
from practice.models import AuditEvent
from practice.tenancy import PracticeRequest, counsellor_required


@counsellor_required
@require_GET
@audited(AuditEvent.Action.VIEW, "report", "assignment_id")
def couple_report(request: PracticeRequest, practice_slug: str, assignment_id: str) -> HttpResponse:
    data = report.couple_report(request.practice, request.membership, assignment_id)
    return render(request, "assessments/report.html", {"report": data})


@counsellor_required
@require_GET
def comparison_status(
    request: PracticeRequest, practice_slug: str, assignment_id: str
) -> JsonResponse:
    """Polled by the report page while the comparison runs."""
    assignment = selectors.assignment_for_counsellor(
        practice=request.practice, member=request.membership, public_id=assignment_id
    )
    comparison = assignment.comparisons.order_by("-created_at").first()
    return JsonResponse({"status": comparison.status if comparison else "waiting"})


def _latest(request: PracticeRequest, assignment_id: str) -> Comparison:
    assignment = selectors.assignment_for_counsellor(
        practice=request.practice, member=request.membership, public_id=assignment_id
    )
    comparison = assignment.comparisons.order_by("-created_at").first()
    if comparison is None:
        raise Http404
    return comparison


@counsellor_required
@require_POST
@audited(AuditEvent.Action.CHANGE, "comparison", "assignment_id")
def comparison_retry(
    request: PracticeRequest, practice_slug: str, assignment_id: str
) -> HttpResponse:
    comparisons.comparison_retry(comparison=_latest(request, assignment_id))
    messages.info(request, "The comparison has been queued again.")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)  # the couple page it was retried from
    return redirect("assignment-report", practice_slug=practice_slug, assignment_id=assignment_id)


def _flagged(request: PracticeRequest, assignment_id: str) -> Comparison:
    """The comparison whose check-ins are recorded: the report's own, or an earlier one of the
    same assignment named in the form (another assignment's, or an unknown id, answers 404)."""
    chosen = request.POST.get("comparison", "")
    if not chosen:
        return _latest(request, assignment_id)
    assignment = selectors.assignment_for_counsellor(
        practice=request.practice, member=request.membership, public_id=assignment_id
    )
    try:
        public_id = uuid.UUID(chosen)
    except ValueError:
        raise Http404 from None
    comparison = assignment.comparisons.filter(public_id=public_id).first()
    if comparison is None:
        raise Http404
    return comparison


@counsellor_required
@require_POST
@audited(AuditEvent.Action.SAFETY_CHECK_IN, "comparison", "assignment_id")
def safety_check_in(
    request: PracticeRequest, practice_slug: str, assignment_id: str
) -> HttpResponse:
    comparisons.safety_clear(comparison=_flagged(request, assignment_id), by=request.membership)
    messages.success(request, "Recorded: individual safety check-ins have taken place.")
    return redirect("assignment-report", practice_slug=practice_slug, assignment_id=assignment_id)
