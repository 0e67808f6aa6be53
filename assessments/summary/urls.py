"""The shared summary: the counsellor's page under `/p/<practice>/assignments/<id>/summary/`
(`counsellor_patterns`) and the partner's pages at the site root (`urlpatterns`)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from assessments.summary import views

counsellor_patterns: list[URLPattern | URLResolver] = [
    path("assignments/<uuid:assignment_id>/summary/", views.summary, name="shared-summary"),
    path(
        "assignments/<uuid:assignment_id>/summary/release/",
        views.summary_release,
        name="shared-summary-release",
    ),
    path(
        "assignments/<uuid:assignment_id>/summary/withdraw/",
        views.summary_withdraw,
        name="shared-summary-withdraw",
    ),
    path(
        "assignments/<uuid:assignment_id>/summary/links/<str:partner>/revoke/",
        views.summary_link_revoke,
        name="shared-summary-link-revoke",
    ),
    path(
        "assignments/<uuid:assignment_id>/summary/links/<str:partner>/reissue/",
        views.summary_link_reissue,
        name="shared-summary-link-reissue",
    ),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("s/<str:token>", views.summary_open, name="summary-open"),
    path("summary/", views.summary_read, name="summary-read"),
    path("summary/pdf/", views.summary_read_pdf, name="summary-read-pdf"),
]
