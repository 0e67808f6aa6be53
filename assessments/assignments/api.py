"""The assignments API: give an instrument to a couple and follow each partner's progress."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.assignments import selectors, services
from assessments.assignments.serializers import (
    AssignmentCreatedSerializer,
    AssignmentCreateSerializer,
    AssignmentSerializer,
    NewInvitationSerializer,
)
from assessments.models import Assignment
from clients.selectors import invitations_visible_to
from practice.api.base import PracticeViewSet, query_choice, query_uuid, uuid_parameter


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
