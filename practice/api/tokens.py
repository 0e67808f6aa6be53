"""Personal API tokens: a password (and a second factor) exchanged for a token; list, revoke."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from practice import audit
from practice.api.auth import (
    TWO_FACTOR_MISSING,
    has_confirmed_device,
    token_create,
    token_revoke,
    tokens_of,
    two_factor_missing,
    verify_otp,
)
from practice.api.base import StandardPagination, StrictCharField, StrictEmailField, calling_user
from practice.api.errors import ErrorSerializer, LockedOut
from practice.models import ApiToken, AuditEvent, User


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
