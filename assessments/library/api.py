"""The library API: instruments (global) and the topic library (under a practice)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.library import selectors
from assessments.library.serializers import (
    InstrumentDetailSerializer,
    InstrumentSerializer,
    TopicSerializer,
)
from assessments.models import InstrumentVersion, Topic
from practice.api.base import PracticeViewSet, StandardPagination


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
