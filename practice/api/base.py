"""The API's shared plumbing: the tenant-rooted base viewset, pagination, strict fields and query
parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from practice.api.auth import (
    IsPracticeMember,
    request_membership,
)
from practice.models import Membership, Practice, User


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
