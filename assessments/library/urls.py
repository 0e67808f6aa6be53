"""The instrument library pages, under `/p/<practice>/instruments/`."""

from __future__ import annotations

from django.urls import path

from assessments.library import views

urlpatterns = [
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
