"""One error shape for the whole staff API, and its place in the OpenAPI schema.

Every refusal answers
`{"error": {"status": 400, "code": "invalid", "detail": "...", "fields": {"name": ["..."]}}}`:
DRF's own exceptions, a service's Django `ValidationError` (400 with the fields it names), a
`Http404` (404 "Not found."), and anything unexpected (500 with a generic message, logged,
never a stack trace). The respondent API documents its own bodies and keeps DRF's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

NOT_FOUND = "Not found."
SERVER_ERROR = "Something went wrong on our side. It has been logged; please try again."
FIELDS_INVALID = "Some fields are not valid."


class Conflict(exceptions.APIException):
    """The request is well formed but the record is not in a state that allows it."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This conflicts with the current state of the record."
    default_code = "conflict"


class LockedOut(exceptions.APIException):
    """Too many failed sign-ins for this email from this address (django-axes)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many failed sign-in attempts. Try again later."
    default_code = "locked_out"


class ErrorBodySerializer(serializers.Serializer[Any]):
    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    code = serializers.CharField(help_text="A stable machine-readable code, e.g. `invalid`.")
    detail = serializers.CharField(help_text="A sentence for people.")
    # DRF's metaclass takes declared fields out of the class body, so this does not shadow
    # Serializer.fields at run time; the type checker cannot know that.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name (dotted for nested fields) -> messages. Empty unless 400.",
    )


class ErrorSerializer(serializers.Serializer[Any]):
    error = ErrorBodySerializer()


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structures as `{"partner_a.display_name": ["..."]}`."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(detail, list | tuple):
        if all(not isinstance(item, Mapping | list | tuple) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def _from_django_validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(
            {
                ("non_field_errors" if field == "__all__" else field): messages
                for field, messages in error.message_dict.items()
            }
        )
    return exceptions.ValidationError({"non_field_errors": error.messages})


def _code_of(exc: exceptions.APIException) -> str:
    detail = exc.detail
    code = getattr(detail, "code", None)
    if isinstance(code, str) and not isinstance(exc, exceptions.ValidationError):
        return code
    return str(exc.default_code)


def _uses_own_error_bodies(view: Any) -> bool:
    # A view that answers its callers in a shape of its own (the respondent API's messages are
    # shown to clients as they are) sets this flag; the rest share the documented error shape.
    return bool(getattr(view, "own_error_bodies", False))


def error_body(
    status_code: int, code: str, detail: str, fields: dict[str, list[str]]
) -> dict[str, Any]:
    return {"error": {"status": status_code, "code": code, "detail": detail, "fields": fields}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if _uses_own_error_bodies(context.get("view")):
        return drf_exception_handler(exc, context)
    if isinstance(exc, DjangoValidationError):
        exc = _from_django_validation_error(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if not isinstance(exc, exceptions.APIException):
        # A bug: answer in the same shape without leaking anything, and keep the trace in the log.
        logger.exception("Unhandled error in API view %s", type(context.get("view")).__name__)
        set_rollback()
        return Response(
            error_body(500, "server_error", SERVER_ERROR, {}),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    response = drf_exception_handler(exc, context)
    if response is None:  # pragma: no cover - DRF handles every APIException
        return None
    fields: dict[str, list[str]] = {}
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        general = fields.pop("non_field_errors", [])
        detail = " ".join(general) if general else FIELDS_INVALID
    elif isinstance(exc, exceptions.NotFound):
        detail = NOT_FOUND
    else:
        detail = str(exc.detail) if not isinstance(exc.detail, list | dict) else str(exc)
    response.data = error_body(response.status_code, _code_of(exc), detail, fields)
    return response


# Schema ---------------------------------------------------------------------------------------

ERROR_DESCRIPTIONS = {
    "400": "Bad input: `fields` names each field with its messages.",
    "401": "Not signed in: send `Authorization: Token <key>` or use a session.",
    "403": "Signed in, but your role does not allow this.",
    "404": "No such record, or not one you can see (the same answer either way).",
}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: documents the error envelope on every staff API
    operation, so clients (and the schema fuzzer) know the shape of each refusal."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    if "Error" not in components:
        return result
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/") or path.startswith("/api/v1/respond/"):
            continue
        if path.startswith(("/api/v1/schema/", "/api/v1/docs/")):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            public = {} in operation.get("security", [])
            for code, description in ERROR_DESCRIPTIONS.items():
                if public and code in ("401", "403"):
                    continue
                operation["responses"].setdefault(
                    code, {"description": description, "content": ref}
                )
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path":
                    _document_path_parameter(parameter)
    return result


# What Django's `slug` and `uuid` path converters accept: anything else matches no route.
SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"
UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _document_path_parameter(parameter: dict[str, Any]) -> None:
    schema = parameter.setdefault("schema", {})
    if schema.get("format") == "uuid":
        schema.setdefault("pattern", UUID_PATTERN)
    elif parameter.get("name") in ("practice_slug", "slug"):
        schema.setdefault("pattern", SLUG_PATTERN)
    if parameter.get("name") == "practice_slug":
        parameter.setdefault(
            "description",
            "The practice's slug, from `GET /api/v1/practices/`. A practice you "
            "are not an active member of answers 404, like one that does not exist.",
        )


@csrf_exempt
def route_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Every path under /api/v1/ that matches no route (a malformed id or slug, a typo): the
    documented JSON error, never Django's HTML page. Nothing to protect, so no CSRF check."""
    return JsonResponse(error_body(404, "not_found", NOT_FOUND, {}), status=404)
