"""The practice's assessment pages: the instrument library, reports and agendas."""

from __future__ import annotations

from django.urls import include, path

from assessments.summary.urls import counsellor_patterns

urlpatterns = [
    path("", include("assessments.library.urls")),
    path("", include("assessments.reports.urls")),
    path("", include(counsellor_patterns)),
]
