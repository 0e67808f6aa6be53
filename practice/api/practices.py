"""The caller's practices and, for a practice's admins, its members."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from practice import selectors, services
from practice.api.auth import (
    IsPracticeAdmin,
    IsPracticeMember,
    request_membership,
)
from practice.api.base import (
    PracticeViewSet,
    StandardPagination,
    StrictBooleanField,
    StrictCharField,
    StrictEmailField,
    calling_user,
)
from practice.models import Membership
from practice.tenancy import memberships_of


class PracticeSerializer(serializers.Serializer[Any]):
    slug = serializers.SlugField(source="practice.slug")
    name = serializers.CharField(source="practice.name")
    roles = serializers.SerializerMethodField()
    membership_id = serializers.UUIDField(source="public_id")
    require_two_factor = serializers.BooleanField(source="practice.require_two_factor")

    def get_roles(self, membership: Membership) -> list[str]:
        return [
            role
            for role, held in (
                ("admin", membership.is_admin),
                ("counsellor", membership.is_counsellor),
            )
            if held
        ]


class PracticeListView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination
    serializer_class = PracticeSerializer

    @extend_schema(
        operation_id="practices_list",
        tags=["practices"],
        summary="The practices you are an active member of, with your roles",
        responses={200: PracticeSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(memberships_of(calling_user(request)))
        return self.get_paginated_response(PracticeSerializer(page, many=True).data)


class PracticeDetailView(APIView):
    permission_classes = [IsAuthenticated, IsPracticeMember]

    @extend_schema(
        operation_id="practices_retrieve",
        tags=["practices"],
        summary="One of your practices, with your roles there",
        responses={200: PracticeSerializer},
    )
    def get(self, request: Request, practice_slug: str) -> Response:
        return Response(PracticeSerializer(request_membership(request)).data)


class MemberSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    is_admin = serializers.BooleanField()
    is_counsellor = serializers.BooleanField()
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class MemberInviteSerializer(serializers.Serializer[Any]):
    email = StrictEmailField(max_length=254)
    full_name = StrictCharField(max_length=150)
    is_admin = StrictBooleanField(default=False)
    is_counsellor = StrictBooleanField(default=True)


class MemberRolesSerializer(serializers.Serializer[Any]):
    is_admin = StrictBooleanField(required=False)
    is_counsellor = StrictBooleanField(required=False)


class MemberViewSet(PracticeViewSet):
    permission_classes = [IsAuthenticated, IsPracticeMember, IsPracticeAdmin]
    serializer_class = MemberSerializer

    def get_queryset(self) -> QuerySet[Membership]:
        return selectors.members_of(practice=self.practice)

    def get_object(self) -> Membership:
        return selectors.member_by_public_id(
            practice=self.practice, public_id=self.kwargs["public_id"]
        )

    @extend_schema(operation_id="members_list", tags=["members"], summary="The practice's members")
    def list(self, request: Request, practice_slug: str) -> Response:
        return self.paginated(self.get_queryset(), MemberSerializer)

    @extend_schema(operation_id="members_retrieve", tags=["members"], summary="One member")
    def retrieve(self, request: Request, practice_slug: str, public_id: str) -> Response:
        return Response(MemberSerializer(self.get_object()).data)

    @extend_schema(
        operation_id="members_invite",
        tags=["members"],
        summary="Invite a person (they get an email with a set-password link if they are new)",
        request=MemberInviteSerializer,
        responses={201: MemberSerializer},
    )
    def create(self, request: Request, practice_slug: str) -> Response:
        incoming = MemberInviteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        membership = services.membership_invite(
            practice=self.practice, invited_by=self.membership.user, **incoming.validated_data
        )
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="members_set_roles",
        tags=["members"],
        summary="Change a member's roles",
        request=MemberRolesSerializer,
        responses={200: MemberSerializer},
    )
    def partial_update(self, request: Request, practice_slug: str, public_id: str) -> Response:
        membership = self.get_object()
        incoming = MemberRolesSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.membership_set_roles(
            membership=membership,
            is_admin=incoming.validated_data.get("is_admin", membership.is_admin),
            is_counsellor=incoming.validated_data.get("is_counsellor", membership.is_counsellor),
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(
        operation_id="members_deactivate",
        tags=["members"],
        summary="Remove a member's access now (their sessions end; they keep their history)",
        request=None,
        responses={200: MemberSerializer},
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, practice_slug: str, public_id: str) -> Response:
        membership = self.get_object()
        services.membership_deactivate(membership=membership)
        return Response(MemberSerializer(membership).data)

    @extend_schema(
        operation_id="members_reactivate",
        tags=["members"],
        summary="Give a deactivated member their access back",
        request=None,
        responses={200: MemberSerializer},
    )
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, practice_slug: str, public_id: str) -> Response:
        membership = self.get_object()
        services.membership_reactivate(membership=membership)
        return Response(MemberSerializer(membership).data)
