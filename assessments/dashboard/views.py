"""The practice dashboard: aggregates for the practice's admins, with no names in it."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from assessments.dashboard import selectors as dashboard
from practice.tenancy import PracticeRequest, admin_required


@admin_required
@require_safe
def practice_dashboard(request: PracticeRequest, practice_slug: str) -> HttpResponse:
    data = dashboard.practice_dashboard(request.practice, request.membership)
    return render(
        request,
        "practice/dashboard.html",
        {"dashboard": data, "charts": dashboard.chart_views(data)},
    )
