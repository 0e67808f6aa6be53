"""API for a practice's clients, couples and partners' invitations.

Everyone sees only the couples they may open (admins: all; counsellors: their own); anything
else, and anything of another practice, answers 404 like a record that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.caseload.selectors import couples_for_api
from assessments.comparisons import services as comparisons
from clients import selectors, services
from clients.models import Client, Couple, Invitation
from clients.serializers import (
    ClientSerializer,
    CoupleCreateSerializer,
    CoupleSerializer,
    CoupleUpdateSerializer,
    InvitationActionSerializer,
    InvitationSerializer,
    PartnerInputSerializer,
    RescoreSerializer,
)
from practice.api.base import (
    PracticeViewSet,
    ordering_parameter,
    query_choice,
    query_ordering,
    query_text,
    query_uuid,
    uuid_parameter,
)

COUPLE_ORDERING = {"created_at": ("created_at", "pk"), "-created_at": ("-created_at", "-pk")}
COUPLE_STATUSES = [choice.value for choice in Couple.Status]


class ClientViewSet(PracticeViewSet):
    """Clients are created and changed through their couple; here they can only be read."""

    serializer_class = ClientSerializer

    def get_queryset(self) -> QuerySet[Client]:
        return selectors.clients_visible_to(practice=self.practice, member=self.membership)

    @extend_schema(operation_id="clients_list", tags=["clients"], summary="Clients you can see")
    def list(self, request: Request, practice_slug: str) -> Response:
        return self.paginated(self.get_queryset(), ClientSerializer)

    @extend_schema(operation_id="clients_retrieve", tags=["clients"], summary="One client")
    def retrieve(self, request: Request, practice_slug: str, public_id: str) -> Response:
        client = selectors.client_for_member(
            practice=self.practice, member=self.membership, public_id=public_id
        )
        return Response(ClientSerializer(client).data)


class CoupleViewSet(PracticeViewSet):
    serializer_class = CoupleSerializer

    def get_object(self) -> Couple:
        return selectors.couple_for_member(
            practice=self.practice, member=self.membership, public_id=self.kwargs["public_id"]
        )

    def _detail(self, couple: Couple, code: int = status.HTTP_200_OK) -> Response:
        fresh = couples_for_api(practice=self.practice, member=self.membership).get(pk=couple.pk)
        return Response(CoupleSerializer(fresh).data, status=code)

    @extend_schema(
        operation_id="couples_list",
        tags=["couples"],
        summary="Couples you can see (admins: all of the practice; counsellors: their own)",
        parameters=[
            OpenApiParameter("status", str, enum=COUPLE_STATUSES, description="Only this status."),
            uuid_parameter("counsellor", "Only couples this counsellor (membership id) counsels."),
            OpenApiParameter("q", str, description="Search in the partners' names."),
            ordering_parameter(list(COUPLE_ORDERING), "-created_at"),
        ],
    )
    def list(self, request: Request, practice_slug: str) -> Response:
        couples = couples_for_api(
            practice=self.practice,
            member=self.membership,
            status=query_choice(request, "status", COUPLE_STATUSES),
            counsellor=query_uuid(request, "counsellor"),
            query=query_text(request, "q"),
            ordering=query_ordering(request, COUPLE_ORDERING, "-created_at"),
        )
        return self.paginated(couples, CoupleSerializer)

    @extend_schema(operation_id="couples_retrieve", tags=["couples"], summary="One couple")
    def retrieve(self, request: Request, practice_slug: str, public_id: str) -> Response:
        return self._detail(self.get_object())

    @extend_schema(
        operation_id="couples_create",
        tags=["couples"],
        summary="Add a couple (both partners and their counsellors)",
        description="A counsellor who is not an admin is always one of the couple's counsellors; "
        "an admin names at least one counsellor.",
        request=CoupleCreateSerializer,
        responses={201: CoupleSerializer},
    )
    def create(self, request: Request, practice_slug: str) -> Response:
        incoming = CoupleCreateSerializer(data=request.data, context={"practice": self.practice})
        incoming.is_valid(raise_exception=True)
        form = PartnerInputSerializer()
        couple = services.couple_create(
            practice=self.practice,
            partner_a=form.details(incoming.validated_data["partner_a"]),
            partner_b=form.details(incoming.validated_data["partner_b"]),
            counsellors=list(incoming.validated_data["counsellors"]),
            created_by=self.membership,
        )
        return self._detail(couple, status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="couples_update",
        tags=["couples"],
        summary="Change partners' details; admins also change the counsellors",
        request=CoupleUpdateSerializer,
        responses={200: CoupleSerializer},
    )
    def partial_update(self, request: Request, practice_slug: str, public_id: str) -> Response:
        couple = self.get_object()
        incoming = CoupleUpdateSerializer(data=request.data, context={"practice": self.practice})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if "counsellors" in data and not self.membership.is_admin:
            raise exceptions.PermissionDenied("Only the practice's admins change counsellors.")
        form = PartnerInputSerializer()
        services.couple_update(
            couple=couple,
            partner_a=form.details(data.get("partner_a", {}), couple.partner_a),
            partner_b=form.details(data.get("partner_b", {}), couple.partner_b),
            counsellors=data.get("counsellors"),
        )
        return self._detail(couple)

    def _set_status(self, status_value: str) -> Response:
        couple = self.get_object()
        services.couple_set_status(couple=couple, status=status_value)
        return self._detail(couple)

    @extend_schema(
        operation_id="couples_archive",
        tags=["couples"],
        summary="Archive a couple (their history stays)",
        request=None,
        responses={200: CoupleSerializer},
    )
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, practice_slug: str, public_id: str) -> Response:
        return self._set_status(Couple.Status.ARCHIVED)

    @extend_schema(
        operation_id="couples_reactivate",
        tags=["couples"],
        summary="Make an archived couple active again",
        request=None,
        responses={200: CoupleSerializer},
    )
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, practice_slug: str, public_id: str) -> Response:
        return self._set_status(Couple.Status.ACTIVE)

    @extend_schema(
        operation_id="couples_rescore",
        tags=["couples"],
        summary="Score the couple's finished comparisons again with the current algorithm",
        description="For the couple's own counsellors. Runs at once (a couple has only a few "
        "comparisons) and answers when done; earlier results are kept in the history.",
        request=None,
        responses={200: RescoreSerializer},
    )
    @action(detail=True, methods=["post"])
    def rescore(self, request: Request, practice_slug: str, public_id: str) -> Response:
        couple = selectors.couple_for_counsellor(
            practice=self.practice, member=self.membership, public_id=public_id
        )
        report = comparisons.rescore(practice=self.practice, couple_id=couple.public_id)
        url = reverse("api-comparisons-list", kwargs={"practice_slug": self.practice.slug})
        body = {
            "status": "done",
            "examined": report.examined,
            "rescored": report.rescored,
            "comparisons_url": request.build_absolute_uri(f"{url}?couple={couple.public_id}"),
        }
        return Response(RescoreSerializer(body).data)


class InvitationViewSet(PracticeViewSet):
    """Partners' links to assignments. The link itself is never stored, so it can only be shown
    when it is made (`reissue` for a partner without an email)."""

    serializer_class = InvitationSerializer

    def get_object(self) -> Invitation:
        return selectors.invitation_for_member(
            practice=self.practice, member=self.membership, public_id=self.kwargs["public_id"]
        )

    def _answer(self, invitation: Invitation, link: str | None, code: int) -> Response:
        invitation.refresh_from_db()
        body: dict[str, Any] = {
            "invitation": invitation,
            "link": link,
            "emailed": code == status.HTTP_202_ACCEPTED,
        }
        return Response(InvitationActionSerializer(body).data, status=code)

    @extend_schema(
        operation_id="invitations_list",
        tags=["invitations"],
        summary="Partners' invitations for the assignments you can see",
        parameters=[uuid_parameter("assignment", "Only this assignment's invitations.")],
    )
    def list(self, request: Request, practice_slug: str) -> Response:
        invitations = selectors.invitations_visible_to(
            practice=self.practice,
            member=self.membership,
            assignment=query_uuid(request, "assignment"),
        )
        return self.paginated(invitations, InvitationSerializer)

    @extend_schema(operation_id="invitations_retrieve", tags=["invitations"], summary="One")
    def retrieve(self, request: Request, practice_slug: str, public_id: str) -> Response:
        return Response(InvitationSerializer(self.get_object()).data)

    @extend_schema(
        operation_id="invitations_resend",
        tags=["invitations"],
        summary="Email the partner a fresh link (earlier emailed links stop working)",
        request=None,
        responses={
            202: OpenApiResponse(InvitationActionSerializer, description="The email is queued.")
        },
    )
    @action(detail=True, methods=["post"])
    def resend(self, request: Request, practice_slug: str, public_id: str) -> Response:
        invitation = self.get_object()
        services.invitation_send(invitation=invitation)
        return self._answer(invitation, None, status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="invitations_revoke",
        tags=["invitations"],
        summary="Stop the partner's link from working",
        request=None,
        responses={200: InvitationActionSerializer},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, practice_slug: str, public_id: str) -> Response:
        invitation = self.get_object()
        services.invitation_revoke(invitation=invitation)
        return self._answer(invitation, None, status.HTTP_200_OK)

    @extend_schema(
        operation_id="invitations_reissue",
        tags=["invitations"],
        summary="Make a fresh link: emailed (202) or, without an email, returned once (200)",
        request=None,
        responses={
            200: OpenApiResponse(InvitationActionSerializer, description="`link` to pass on."),
            202: OpenApiResponse(InvitationActionSerializer, description="The email is queued."),
        },
    )
    @action(detail=True, methods=["post"])
    def reissue(self, request: Request, practice_slug: str, public_id: str) -> Response:
        invitation = self.get_object()
        link = services.invitation_reissue(invitation=invitation)
        code = status.HTTP_202_ACCEPTED if link is None else status.HTTP_200_OK
        return self._answer(invitation, link, code)
