"""Writing the audit trail. Callers name what happened and to which object; this module adds
who, where from, when and which request."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

from practice.client_address import client_address
from practice.models import AuditEvent, Practice

REQUEST_ID_HEADER = "X-Request-ID"


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return client_address(request)


def record(
    request: HttpRequest | None,
    action: str,
    *,
    practice: Practice | None,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    detail: str = "",
    actor: Any = None,
    actor_label: str = "",
) -> AuditEvent:
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if obj is not None:
        object_type = object_type or type(obj).__name__.lower()
        object_id = str(getattr(obj, "public_id", "") or getattr(obj, "pk", ""))
    return AuditEvent.objects.create(
        practice=practice,
        actor=actor,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail[:200],
        ip_address=client_ip(request),
        request_id=getattr(request, "request_id", "") if request is not None else "",
    )


def _respondent_label(request: HttpRequest) -> str:
    invitation = getattr(request, "invitation", None)
    if invitation is None:
        return ""
    return f"partner {invitation.partner} (invitation {invitation.public_id})"


def audited(
    action: str, object_type: str, id_kwarg: str = "", on: tuple[str, ...] = ()
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Records one audit event for every successful call of a view that reads or changes
    clinical data (only for the methods in `on`, when given). The object is named by the URL's
    id, or for a respondent by their invitation."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            response = view(request, *args, **kwargs)
            if response.status_code < 400 and (not on or request.method in on):
                invitation = getattr(request, "invitation", None)
                practice = getattr(request, "practice", None) or getattr(
                    invitation, "practice", None
                )
                record(
                    request,
                    action,
                    practice=practice,
                    object_type=object_type,
                    object_id=str(kwargs.get(id_kwarg, "")) if id_kwarg else "",
                    actor_label=_respondent_label(request),
                )
            return response

        return wrapper

    return decorator


class RequestIdMiddleware:
    """Gives every request an id, returned in a header and stored with its audit events."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = str(uuid.uuid4())  # type: ignore[attr-defined]
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id  # type: ignore[attr-defined]
        return response
