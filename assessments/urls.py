"""The practice's assessment pages: the instrument library, reports and agendas."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("assessments.library.urls")),
    path("", include("assessments.reports.urls")),
]
