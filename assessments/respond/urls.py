"""Respondent routes, at the site root: the private link, the pages and the API behind autosave.
No route here carries an id: the respondent session says whose response it is."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from assessments.respond import api as respond_api
from assessments.respond import views as respond_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("i/<str:token>", respond_views.invitation_open, name="invitation-open"),
    path("respond/", respond_views.start, name="respond-start"),
    path("respond/section/<int:number>/", respond_views.section, name="respond-section"),
    path("respond/review/", respond_views.review, name="respond-review"),
    path("respond/submit/", respond_views.submit, name="respond-submit"),
    path("respond/done/", respond_views.done, name="respond-done"),
    path("respond/not-me/", respond_views.not_me, name="respond-not-me"),
    path("respond/exit/", respond_views.quick_exit, name="respond-quick-exit"),
    path("today/", respond_views.neutral_page, name="neutral-page"),
    path("api/v1/respond/form/", respond_api.RespondFormAPI.as_view(), name="respond-api-form"),
    path(
        "api/v1/respond/answers/",
        respond_api.RespondAnswersAPI.as_view(),
        name="respond-api-answers",
    ),
    path(
        "api/v1/respond/submit/", respond_api.RespondSubmitAPI.as_view(), name="respond-api-submit"
    ),
]
