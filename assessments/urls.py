from __future__ import annotations

from django.urls import path

from assessments import report_views, views

urlpatterns = [
    path(
        "assignments/<uuid:assignment_id>/report/",
        report_views.couple_report,
        name="assignment-report",
    ),
    path(
        "assignments/<uuid:assignment_id>/report/status/",
        report_views.comparison_status,
        name="comparison-status",
    ),
    path(
        "assignments/<uuid:assignment_id>/report/retry/",
        report_views.comparison_retry,
        name="comparison-retry",
    ),
    path(
        "assignments/<uuid:assignment_id>/report/safety-check-in/",
        report_views.safety_check_in,
        name="safety-check-in",
    ),
    path("instruments/", views.library, name="instrument-library"),
    path("instruments/<slug:slug>/", views.instrument_detail, name="instrument-detail"),
    path(
        "instruments/<slug:slug>/v<int:version>/preview/",
        views.preview,
        name="instrument-preview",
    ),
    path(
        "instruments/<slug:slug>/v<int:version>/preview/<int:section>/",
        views.preview,
        name="instrument-preview-section",
    ),
]
