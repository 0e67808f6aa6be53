from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, register_converter

from assessments.assignments import views as assignment_views
from clients import views
from clients.models import Couple
from clients.privacy import views as privacy_views


class PartnerConverter:
    """`a` or `b`: anything else is not a route, so it answers 404."""

    regex = "[ab]"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PartnerConverter, "partner")

COUPLE = "couples/<uuid:couple_id>/"
INVITATION = f"{COUPLE}invitations/<uuid:invitation_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("couples/", views.couple_list, name="couple-list"),
    path("couples/new/", views.couple_create, name="couple-create"),
    path(COUPLE, views.couple_detail, name="couple-detail"),
    path(f"{COUPLE}edit/", views.couple_edit, name="couple-edit"),
    path(
        f"{COUPLE}archive/",
        views.couple_set_status,
        {"status": Couple.Status.ARCHIVED},
        name="couple-archive",
    ),
    path(
        f"{COUPLE}reactivate/",
        views.couple_set_status,
        {"status": Couple.Status.ACTIVE},
        name="couple-reactivate",
    ),
    path(f"{COUPLE}assign/", assignment_views.assignment_create, name="assignment-create"),
    path(f"{INVITATION}resend/", assignment_views.invitation_resend, name="invitation-resend"),
    path(f"{INVITATION}revoke/", assignment_views.invitation_revoke, name="invitation-revoke"),
    path(f"{INVITATION}reissue/", assignment_views.invitation_reissue, name="invitation-reissue"),
    path(
        f"{COUPLE}assignments/<uuid:assignment_id>/reopen/<partner:partner>/",
        assignment_views.response_reopen,
        name="response-reopen",
    ),
    path(
        f"{COUPLE}partners/<partner:side>/export.json",
        privacy_views.export_json,
        name="client-export-json",
    ),
    path(
        f"{COUPLE}partners/<partner:side>/export.pdf",
        privacy_views.export_pdf,
        name="client-export-pdf",
    ),
    path(f"{COUPLE}partners/<partner:side>/erase/", privacy_views.erase, name="client-erase"),
]
