"""The comparisons API: results, retry and trend, for the couple's own counsellors."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.comparisons import selectors
from assessments.comparisons import services as comparisons
from assessments.comparisons.serializers import (
    ComparisonDetailSerializer,
    ComparisonQueuedSerializer,
    ComparisonSerializer,
    TrendSerializer,
)
from assessments.models import Comparison
from practice import audit
from practice.api.base import PracticeViewSet, query_choice, query_uuid, uuid_parameter
from practice.api.errors import Conflict, ErrorSerializer
from practice.models import AuditEvent

COMPARISON_STATUSES = [choice.value for choice in Comparison.Status]


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
