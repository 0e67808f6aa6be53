"""The couple report and the session agenda, under `/p/<practice>/assignments/<id>/`."""

from __future__ import annotations

from django.urls import path

from assessments.reports import agenda_views, views

urlpatterns = [
    path(
        "assignments/<uuid:assignment_id>/report/",
        views.couple_report,
        name="assignment-report",
    ),
    path(
        "assignments/<uuid:assignment_id>/report/status/",
        views.comparison_status,
        name="comparison-status",
    ),
    path(
        "assignments/<uuid:assignment_id>/report/retry/",
        views.comparison_retry,
        name="comparison-retry",
    ),
    path(
        "assignments/<uuid:assignment_id>/report/safety-check-in/",
        views.safety_check_in,
        name="safety-check-in",
    ),
    path("assignments/<uuid:assignment_id>/agenda/", agenda_views.agenda, name="agenda"),
    path(
        "assignments/<uuid:assignment_id>/agenda/add/", agenda_views.agenda_add, name="agenda-add"
    ),
    path(
        "assignments/<uuid:assignment_id>/agenda/items/<uuid:item_id>/move/<str:direction>/",
        agenda_views.agenda_item_move,
        name="agenda-item-move",
    ),
    path(
        "assignments/<uuid:assignment_id>/agenda/items/<uuid:item_id>/remove/",
        agenda_views.agenda_item_remove,
        name="agenda-item-remove",
    ),
    path(
        "assignments/<uuid:assignment_id>/agenda/own-item/",
        agenda_views.agenda_own_item,
        name="agenda-own-item",
    ),
    path(
        "assignments/<uuid:assignment_id>/agenda/pdf/", agenda_views.agenda_pdf, name="agenda-pdf"
    ),
]
