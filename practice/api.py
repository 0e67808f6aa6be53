"""The API's shared plumbing (tenant-rooted base viewset, pagination, query parameters) and the
practice app's endpoints: API tokens, the caller's practices and, for admins, the members."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from practice import audit, selectors, services
from practice.api_auth import (
    TWO_FACTOR_MISSING,
    IsPracticeAdmin,
    IsPracticeMember,
    has_confirmed_device,
    request_membership,
    token_create,
    token_revoke,
    tokens_of,
    two_factor_missing,
    verify_otp,
)
from practice.api_errors import ErrorSerializer, LockedOut
from practice.models import ApiToken, AuditEvent, Membership, Practice, User
from practice.tenancy import memberships_of

# Plumbing -----------------------------------------------------------------------------------


class StandardPagination(PageNumberPagination):
    """`page` (from 1) and `page_size` (1-100, default 25). Anything else is a 400, not a
    silent default: a client with a typo should hear about it."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def _number(self, request: Request, name: str, maximum: int | None) -> int | None:
        values = request.query_params.getlist(name)
        if not values:
            return None
        value = values[-1]
        if len(values) > 1 or not value.isascii() or not value.isdigit():
            raise exceptions.ValidationError({name: ["Must be a whole number from 1."]})
        # Ten digits are past any real page; int() of thousands of digits would even raise.
        number = int(value) if len(value) < 10 else 10**10
        if number < 1 or (maximum is not None and number > maximum):
            limit = f" to {maximum}" if maximum is not None else ""
            raise exceptions.ValidationError({name: [f"Must be a whole number from 1{limit}."]})
        return number

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        self._number(request, self.page_query_param, None)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Request) -> int:
        return self._number(request, self.page_size_query_param, self.max_page_size) or int(
            self.page_size
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = f"Results per page, 1-{self.max_page_size} (25)."
        return parameters


def _strict_text(field: serializers.CharField, data: Any) -> None:
    """A JSON string only (DRF would quietly turn 12 into "12"), no longer than the schema says
    before any trimming (DRF checks the length after stripping whitespace)."""
    if not isinstance(data, str):
        field.fail("invalid")
    if field.max_length is not None and len(data) > field.max_length:
        field.fail("max_length", max_length=field.max_length, length=len(data))


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        _strict_text(self, data)
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data: Any) -> str:
        _strict_text(self, data)
        return super().to_internal_value(data)


class StrictSlugField(serializers.SlugField):
    def to_internal_value(self, data: Any) -> str:
        _strict_text(self, data)
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    """A UUID written as a string (DRF would also take an integer)."""

    def to_internal_value(self, data: Any) -> UUID:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """`true` or `false` only (DRF would also take "yes", "1", 0...)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


def calling_user(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user


def query_text(request: Request, name: str, *, max_length: int = 100) -> str:
    value = request.query_params.get(name, "")
    if "\x00" in value:
        raise exceptions.ValidationError({name: ["Null characters are not allowed."]})
    return value.strip()[:max_length]


def query_uuid(request: Request, name: str) -> UUID | None:
    if name not in request.query_params:
        return None
    value = query_text(request, name)
    try:
        return UUID(value)
    except ValueError as error:
        raise exceptions.ValidationError({name: ["Must be a valid UUID."]}) from error


def query_choice(request: Request, name: str, choices: Sequence[str]) -> str | None:
    if name not in request.query_params:
        return None
    value = query_text(request, name)
    if value not in choices:
        raise exceptions.ValidationError({name: [f"Choose one of: {', '.join(choices)}."]})
    return value


def query_ordering(
    request: Request, allowed: Mapping[str, Sequence[str]], default: str
) -> list[str]:
    """The ORM ordering for the `ordering` parameter, from a whitelist (400 for anything else)."""
    value = query_choice(request, "ordering", list(allowed)) or default
    return list(allowed[value])


def ordering_parameter(allowed: Sequence[str], default: str) -> OpenApiParameter:
    return OpenApiParameter(
        "ordering",
        str,
        enum=list(allowed),
        description=f"Sort order (default `{default}`).",
    )


def uuid_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, UUID, description=description)


class PracticeViewSet(viewsets.GenericViewSet):
    # Base for everything under `/api/v1/practices/<practice_slug>/`: the caller must be an
    # active member (else 404); records are addressed by their public UUID. (A comment, not a
    # docstring: the schema would show a docstring on every subclass's operations.)

    permission_classes = [IsAuthenticated, IsPracticeMember]
    pagination_class = StandardPagination
    lookup_field = "public_id"
    lookup_url_kwarg = "public_id"
    lookup_value_converter = "uuid"

    @property
    def membership(self) -> Membership:
        return request_membership(self.request)

    @property
    def practice(self) -> Practice:
        return self.membership.practice

    def paginated(
        self, queryset: Any, serializer_class: type[serializers.BaseSerializer[Any]]
    ) -> Response:
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        data = serializer_class(rows, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)


# Auth tokens --------------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer[Any]):
    email = StrictEmailField(max_length=254)
    password = StrictCharField(max_length=4096, trim_whitespace=False)
    name = StrictCharField(
        max_length=100, help_text="What the token is for, e.g. 'reporting script'."
    )
    otp = StrictCharField(
        max_length=12,
        required=False,
        allow_blank=True,
        help_text="The current code from your authenticator app, when you have one set up.",
    )


class TokenSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    prefix = serializers.CharField(source="key_prefix", help_text="The key's first characters.")
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class NewTokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="The key. Shown this once: store it now.")
    id = serializers.UUIDField()
    name = serializers.CharField()
    prefix = serializers.CharField()


WRONG_CREDENTIALS = "These sign-in details are not right."


class TokenCreateView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        summary="Exchange email and password for an API token",
        request=TokenRequestSerializer,
        responses={
            201: NewTokenSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Wrong or missing details."),
            403: OpenApiResponse(
                ErrorSerializer, description="Two-factor is required and not set up yet."
            ),
            429: OpenApiResponse(ErrorSerializer, description="Locked out after failures."),
        },
    )
    def post(self, request: Request) -> Response:
        incoming = TokenRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        # django-axes counts failures (and locks out) through authenticate().
        user = authenticate(
            request=request,
            username=data["email"].strip().lower(),
            password=data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            raise LockedOut()
        if not isinstance(user, User):
            audit.record(
                request._request,
                AuditEvent.Action.LOGIN_FAILED,
                practice=None,
                object_type="api_token",
                detail="API token request",
            )
            raise exceptions.ValidationError({"non_field_errors": [WRONG_CREDENTIALS]})
        if two_factor_missing(user):
            raise exceptions.PermissionDenied(TWO_FACTOR_MISSING)
        code = data.get("otp", "").strip()
        # No code is not a wrong code: only wrong codes count towards the device's throttle.
        if has_confirmed_device(user) and not (code and verify_otp(user, code)):
            raise exceptions.ValidationError(
                {"otp": ["Enter the current code from your authenticator app."]}
            )
        token, key = token_create(user=user, name=data["name"].strip() or "API token")
        audit.record(
            request._request,
            AuditEvent.Action.LOGIN,
            practice=None,
            obj=token,
            object_type="api_token",
            detail="API token created",
            actor=user,
        )
        body = {"token": key, "id": token.public_id, "name": token.name, "prefix": token.key_prefix}
        return Response(NewTokenSerializer(body).data, status=status.HTTP_201_CREATED)


class TokenViewSet(viewsets.GenericViewSet):
    """The caller's own tokens. Another user's token answers 404."""

    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination
    serializer_class = TokenSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "public_id"

    def get_queryset(self) -> QuerySet[ApiToken]:
        return tokens_of(calling_user(self.request))

    @extend_schema(operation_id="auth_tokens_list", tags=["auth"], summary="Your API tokens")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(TokenSerializer(page, many=True).data)

    @extend_schema(
        operation_id="auth_tokens_revoke",
        tags=["auth"],
        summary="Revoke one of your API tokens",
        responses={204: None},
    )
    def destroy(self, request: Request, public_id: str) -> Response:
        token = self.get_object()
        token_revoke(token=token)
        audit.record(
            request._request,
            AuditEvent.Action.DELETE,
            practice=None,
            obj=token,
            object_type="api_token",
            detail="API token revoked",
            actor=calling_user(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# Practices ----------------------------------------------------------------------------------


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


# Members (admins only) ----------------------------------------------------------------------


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
