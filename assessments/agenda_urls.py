from __future__ import annotations

from django.urls import path

from assessments import agenda_views

urlpatterns = [
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
