"""API for the instrument library, topics, assignments, comparisons and session agendas.

Assignments and their progress: anyone who may see the couple. Comparisons and agendas are
clinical data: the couple's own counsellors only; anyone else (admins included) gets an empty
list and a 404, the same as for a record that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from assessments import agendas, comparisons, selectors, services
from assessments.models import Assignment, Comparison, InstrumentVersion, SessionAgenda, Topic
from assessments.serializers import (
    AgendaCreateSerializer,
    AgendaMoveSerializer,
    AgendaSerializer,
    AgendaUpdateSerializer,
    AssignmentCreatedSerializer,
    AssignmentCreateSerializer,
    AssignmentSerializer,
    ComparisonDetailSerializer,
    ComparisonQueuedSerializer,
    ComparisonSerializer,
    InstrumentDetailSerializer,
    InstrumentSerializer,
    NewInvitationSerializer,
    TopicSerializer,
    TrendSerializer,
)
from clients.selectors import invitations_visible_to
from practice import audit
from practice.api import (
    PracticeViewSet,
    StandardPagination,
    query_choice,
    query_uuid,
    uuid_parameter,
)
from practice.api_errors import Conflict, ErrorSerializer
from practice.models import AuditEvent

COMPARISON_STATUSES = [choice.value for choice in Comparison.Status]


# Library (global) ---------------------------------------------------------------------------


class InstrumentViewSet(viewsets.GenericViewSet):
    """The instrument library shared by every practice: current versions only."""

    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination
    serializer_class = InstrumentSerializer
    lookup_field = "slug"
    lookup_url_kwarg = "slug"
    lookup_value_converter = "slug"

    def get_queryset(self) -> QuerySet[InstrumentVersion]:
        return selectors.instrument_library()

    @extend_schema(
        operation_id="instruments_list",
        tags=["instruments"],
        summary="The library: the current version of each instrument, with its areas",
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(InstrumentSerializer(page, many=True).data)

    @extend_schema(
        operation_id="instruments_retrieve",
        tags=["instruments"],
        summary="One instrument's current version with its items (for a preview)",
        responses={200: InstrumentDetailSerializer},
    )
    def retrieve(self, request: Request, slug: str) -> Response:
        version = selectors.current_instrument_version(slug=slug)
        return Response(InstrumentDetailSerializer(version).data)


class TopicViewSet(PracticeViewSet):
    """The topic library session agendas are built from (read-only)."""

    serializer_class = TopicSerializer
    lookup_field = "slug"
    lookup_url_kwarg = "slug"
    lookup_value_converter = "slug"

    def get_queryset(self) -> QuerySet[Topic]:
        return selectors.topic_library()

    @extend_schema(operation_id="topics_list", tags=["topics"], summary="The topic library")
    def list(self, request: Request, practice_slug: str) -> Response:
        return self.paginated(self.get_queryset(), TopicSerializer)

    @extend_schema(operation_id="topics_retrieve", tags=["topics"], summary="One topic")
    def retrieve(self, request: Request, practice_slug: str, slug: str) -> Response:
        return Response(TopicSerializer(selectors.topic_by_slug(slug=slug)).data)


# Assignments --------------------------------------------------------------------------------


class AssignmentViewSet(PracticeViewSet):
    serializer_class = AssignmentSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "counselled": selectors.counselled_couple_ids(member=self.membership),
        }

    def _detail_url(self, assignment: Assignment) -> str:
        url = reverse(
            "api-assignments-detail",
            kwargs={"practice_slug": self.practice.slug, "public_id": assignment.public_id},
        )
        return self.request.build_absolute_uri(url)

    @extend_schema(
        operation_id="assignments_list",
        tags=["assignments"],
        summary="Assignments of the couples you can see, with each partner's progress",
        parameters=[
            uuid_parameter("couple", "Only this couple's assignments."),
            OpenApiParameter(
                "status",
                str,
                enum=list(selectors.ASSIGNMENT_STATUSES),
                description="`submitted`: both partners have submitted; `open`: not yet.",
            ),
        ],
    )
    def list(self, request: Request, practice_slug: str) -> Response:
        assignments = selectors.assignments_visible_to(
            practice=self.practice,
            member=self.membership,
            couple=query_uuid(request, "couple"),
            status=query_choice(request, "status", selectors.ASSIGNMENT_STATUSES),
        )
        return self.paginated(assignments, AssignmentSerializer)

    @extend_schema(
        operation_id="assignments_retrieve",
        tags=["assignments"],
        summary="One assignment: where each partner stands (never their answers)",
    )
    def retrieve(self, request: Request, practice_slug: str, public_id: str) -> Response:
        assignment = selectors.assignment_for_member(
            practice=self.practice, member=self.membership, public_id=public_id
        )
        return Response(
            AssignmentSerializer(assignment, context=self.get_serializer_context()).data
        )

    @extend_schema(
        operation_id="assignments_create",
        tags=["assignments"],
        summary="Give an instrument to a couple and invite both partners",
        description="Answers 202: invitation emails are queued. A partner without an email "
        "gets a `link` in the answer, shown this once. Poll `status_url` for progress.",
        request=AssignmentCreateSerializer,
        responses={202: AssignmentCreatedSerializer},
    )
    def create(self, request: Request, practice_slug: str) -> Response:
        incoming = AssignmentCreateSerializer(
            data=request.data, context={"practice": self.practice, "membership": self.membership}
        )
        incoming.is_valid(raise_exception=True)
        new = services.assignment_create(
            couple=incoming.validated_data["couple"],
            instrument_version=incoming.validated_data["instrument"],
            due_date=incoming.validated_data["due_date"],
            created_by=self.membership,
        )
        assignment = selectors.assignment_for_member(
            practice=self.practice, member=self.membership, public_id=new.assignment.public_id
        )
        invitations = sorted(
            invitations_visible_to(
                practice=self.practice, member=self.membership, assignment=assignment.public_id
            ),
            key=lambda invitation: invitation.partner,
        )
        body = {
            "assignment": AssignmentSerializer(
                assignment, context=self.get_serializer_context()
            ).data,
            "invitations": [
                {
                    **NewInvitationSerializer(invitation).data,
                    "link": new.links.get(invitation.partner),
                }
                for invitation in invitations
            ],
            "status_url": self._detail_url(assignment),
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)


# Comparisons --------------------------------------------------------------------------------


class ComparisonViewSet(PracticeViewSet):
    serializer_class = ComparisonSerializer

    def get_object(self) -> Comparison:
        return selectors.comparison_for_counsellor(
            practice=self.practice, member=self.membership, public_id=self.kwargs["public_id"]
        )

    def _viewed(self, comparison: Comparison, detail: str) -> None:
        audit.record(
            self.request._request,
            AuditEvent.Action.VIEW,
            practice=self.practice,
            obj=comparison,
            detail=detail,
            actor=self.membership.user,
        )

    @extend_schema(
        operation_id="comparisons_list",
        tags=["comparisons"],
        summary="Comparisons of the couples you counsel (results: fetch one)",
        parameters=[
            uuid_parameter("assignment", "Only this assignment's comparisons."),
            uuid_parameter("couple", "Only this couple's comparisons."),
            OpenApiParameter("status", str, enum=COMPARISON_STATUSES, description="Job status."),
        ],
    )
    def list(self, request: Request, practice_slug: str) -> Response:
        found = selectors.comparisons_for_counsellor(
            practice=self.practice,
            member=self.membership,
            assignment=query_uuid(request, "assignment"),
            couple=query_uuid(request, "couple"),
            status=query_choice(request, "status", COMPARISON_STATUSES),
        )
        return self.paginated(found, ComparisonSerializer)

    @extend_schema(
        operation_id="comparisons_retrieve",
        tags=["comparisons"],
        summary="One comparison with its stored result",
        responses={200: ComparisonDetailSerializer},
    )
    def retrieve(self, request: Request, practice_slug: str, public_id: str) -> Response:
        comparison = self.get_object()
        self._viewed(comparison, "API comparison")
        return Response(ComparisonDetailSerializer(comparison).data)

    @extend_schema(
        operation_id="comparisons_retry",
        tags=["comparisons"],
        summary="Queue a failed comparison again",
        request=None,
        responses={
            202: ComparisonQueuedSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The comparison has not failed."),
        },
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, practice_slug: str, public_id: str) -> Response:
        comparison = self.get_object()
        if comparison.status != Comparison.Status.FAILED:
            raise Conflict("Only a failed comparison can be retried.")
        comparisons.comparison_retry(comparison=comparison)
        comparison.refresh_from_db()
        url = reverse(
            "api-comparisons-detail",
            kwargs={"practice_slug": self.practice.slug, "public_id": comparison.public_id},
        )
        body = {"status": comparison.status, "status_url": request.build_absolute_uri(url)}
        return Response(ComparisonQueuedSerializer(body).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="comparisons_trend",
        tags=["comparisons"],
        summary="The couple's indices over their finished comparisons, with reliable change",
        responses={200: TrendSerializer},
    )
    @action(detail=True, methods=["get"])
    def trend(self, request: Request, practice_slug: str, public_id: str) -> Response:
        comparison = self.get_object()
        self._viewed(comparison, "API comparison trend")
        points = [
            {
                "comparison": point_of.public_id,
                "label": point.label,
                "finished_at": point_of.finished_at,
                "overall_index": point.overall_index,
                "area_indices": dict(point.area_indices),
                "overall_reliable_change": point.overall_reliable_change,
                "area_reliable_changes": list(point.area_reliable_changes),
            }
            for point_of, point in selectors.comparison_trend(
                practice=self.practice, comparison=comparison
            )
        ]
        instrument = comparison.assignment.instrument_version.instrument.slug
        body = {"comparison": comparison.public_id, "instrument": instrument, "points": points}
        return Response(TrendSerializer(body).data)


# Agendas ------------------------------------------------------------------------------------


class AgendaViewSet(PracticeViewSet):
    serializer_class = AgendaSerializer

    def get_object(self) -> SessionAgenda:
        return selectors.agenda_for_counsellor(
            practice=self.practice, member=self.membership, public_id=self.kwargs["public_id"]
        )

    def _answer(self, agenda: SessionAgenda, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.agenda_for_counsellor(
            practice=self.practice, member=self.membership, public_id=agenda.public_id
        )
        return Response(AgendaSerializer(fresh).data, status=code)

    @extend_schema(
        operation_id="agendas_list",
        tags=["agendas"],
        summary="Session agendas of the couples you counsel",
        parameters=[uuid_parameter("assignment", "Only this assignment's agenda.")],
    )
    def list(self, request: Request, practice_slug: str) -> Response:
        found = selectors.agendas_for_counsellor(
            practice=self.practice,
            member=self.membership,
            assignment=query_uuid(request, "assignment"),
        )
        return self.paginated(found, AgendaSerializer)

    @extend_schema(operation_id="agendas_retrieve", tags=["agendas"], summary="One agenda")
    def retrieve(self, request: Request, practice_slug: str, public_id: str) -> Response:
        return self._answer(self.get_object())

    @extend_schema(
        operation_id="agendas_add_topics",
        tags=["agendas"],
        summary="Add suggested topics to an assignment's agenda (started on first use)",
        description="201 when this starts the agenda, 200 when it already existed. Only topics "
        "the comparison suggested are accepted; topics already on the agenda are skipped.",
        request=AgendaCreateSerializer,
        responses={201: AgendaSerializer, 200: AgendaSerializer},
    )
    def create(self, request: Request, practice_slug: str) -> Response:
        incoming = AgendaCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            assignment = selectors.assignment_for_counsellor(
                practice=self.practice, member=self.membership, public_id=data["assignment"]
            )
        except Http404 as error:
            raise exceptions.ValidationError(
                {"assignment": ["No assignment with this id of a couple you counsel."]}
            ) from error
        wanted = str(data["comparison"]) if data["comparison"] else ""
        comparison = agendas.comparison_for_topics(assignment, wanted)
        if comparison is None:
            raise ValidationError(
                {"comparison": "There is no finished comparison to take topics from."}
            )
        existed = agendas.agenda_of(assignment) is not None
        agenda = agendas.agenda_for_assignment(assignment=assignment, created_by=self.membership)
        agendas.agenda_add_topics(agenda=agenda, comparison=comparison, topic_slugs=data["topics"])
        return self._answer(agenda, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="agendas_update_notes",
        tags=["agendas"],
        summary="Save the agenda's notes and notes on its items",
        request=AgendaUpdateSerializer,
        responses={200: AgendaSerializer},
    )
    def partial_update(self, request: Request, practice_slug: str, public_id: str) -> Response:
        agenda = self.get_object()
        incoming = AgendaUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        agendas.agenda_update_notes(
            agenda=agenda,
            notes=incoming.validated_data.get("notes", agenda.notes),
            item_notes=incoming.validated_data.get("item_notes", {}),
        )
        return self._answer(agenda)

    @extend_schema(
        operation_id="agendas_move_item",
        tags=["agendas"],
        summary="Move an item one place up or down",
        request=AgendaMoveSerializer,
        responses={200: AgendaSerializer},
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, practice_slug: str, public_id: str) -> Response:
        agenda = self.get_object()
        incoming = AgendaMoveSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            item = agendas.agenda_item(agenda, incoming.validated_data["item"])
        except Http404 as error:
            raise exceptions.ValidationError(
                {"item": ["No item with this id on this agenda."]}
            ) from error
        agendas.agenda_move(item=item, direction=incoming.validated_data["direction"])
        return self._answer(agenda)
