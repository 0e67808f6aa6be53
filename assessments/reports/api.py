"""The session agendas API, for the couple's own counsellors."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.assignments import selectors as assignments_selectors
from assessments.models import SessionAgenda
from assessments.reports import agenda as agendas
from assessments.reports import agenda as reports_agenda
from assessments.reports.serializers import (
    AgendaCreateSerializer,
    AgendaMoveSerializer,
    AgendaSerializer,
    AgendaUpdateSerializer,
)
from practice.api.base import PracticeViewSet, query_uuid, uuid_parameter


class AgendaViewSet(PracticeViewSet):
    serializer_class = AgendaSerializer

    def get_object(self) -> SessionAgenda:
        return reports_agenda.agenda_for_counsellor(
            practice=self.practice, member=self.membership, public_id=self.kwargs["public_id"]
        )

    def _answer(self, agenda: SessionAgenda, code: int = status.HTTP_200_OK) -> Response:
        fresh = reports_agenda.agenda_for_counsellor(
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
        found = reports_agenda.agendas_for_counsellor(
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
            assignment = assignments_selectors.assignment_for_counsellor(
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
