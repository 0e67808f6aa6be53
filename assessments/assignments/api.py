"""The assignments API: give an instrument to a couple and follow each partner's progress."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
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
from assessments.summary import services as summaries
from assessments.summary.serializers import (
    SummaryReleasedSerializer,
    SummaryStateSerializer,
    SummaryWithdrawSerializer,
    summary_state,
)
from clients.selectors import invitations_visible_to
from practice import audit
from practice.api.base import PracticeViewSet, query_choice, query_uuid, uuid_parameter
from practice.models import AuditEvent


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

    # The couple's shared summary (the couple's own counsellors only: 404 for anyone else).

    def _counselled(self, public_id: str) -> Assignment:
        return selectors.assignment_for_counsellor(
            practice=self.practice, member=self.membership, public_id=public_id
        )

    def _state(self, assignment: Assignment) -> dict[str, Any]:
        return dict(
            SummaryStateSerializer(summary_state(summaries.summary_preview(assignment))).data
        )

    @extend_schema(
        operation_id="assignments_summary",
        tags=["shared summary"],
        summary="The couple's shared summary: its state and exactly what each partner reads",
        responses={200: SummaryStateSerializer},
    )
    @action(detail=True, methods=["get"], url_path="summary")
    def summary(self, request: Request, practice_slug: str, public_id: str) -> Response:
        assignment = self._counselled(public_id)
        audit.record(
            request._request,
            AuditEvent.Action.VIEW,
            practice=self.practice,
            obj=assignment,
            detail="API shared summary",
            actor=self.membership.user,
        )
        return Response(self._state(assignment))

    @extend_schema(
        operation_id="assignments_summary_release",
        tags=["shared summary"],
        summary="Release the shared summary to both partners (fresh private links)",
        description="Refused (400, field `safety`) while a safety flag of the couple is "
        "open. Partners with an email are emailed their link; the others' links are in the "
        "answer, shown this once.",
        request=None,
        responses={200: SummaryReleasedSerializer},
    )
    @action(detail=True, methods=["post"], url_path="summary/release", url_name="summary-release")
    def summary_release(self, request: Request, practice_slug: str, public_id: str) -> Response:
        assignment = self._counselled(public_id)
        release = summaries.summary_release(
            assignment=assignment, by=self.membership, request=request._request
        )
        links = {side: release.links.get(side) for side in ("a", "b")}
        return Response({"summary": self._state(assignment), "links": links})

    @extend_schema(
        operation_id="assignments_summary_withdraw",
        tags=["shared summary"],
        summary="Withdraw the released summary: the partners' links stop working at once",
        request=SummaryWithdrawSerializer,
        responses={200: SummaryStateSerializer},
    )
    @action(detail=True, methods=["post"], url_path="summary/withdraw", url_name="summary-withdraw")
    def summary_withdraw(self, request: Request, practice_slug: str, public_id: str) -> Response:
        assignment = self._counselled(public_id)
        incoming = SummaryWithdrawSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        found = summaries.summary_of(assignment)
        if found is None:
            raise DjangoValidationError({"summary": "Only a released summary can be withdrawn."})
        summaries.summary_withdraw(
            summary=found,
            reason=incoming.validated_data.get("reason", ""),
            by=self.membership,
            request=request._request,
        )
        return Response(self._state(assignment))
