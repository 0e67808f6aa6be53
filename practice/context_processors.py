from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from practice.tenancy import request_memberships


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The current practice and member, and the practices the switcher offers."""
    membership = getattr(request, "membership", None)
    return {
        "current_practice": getattr(request, "practice", None),
        "current_membership": membership,
        "my_memberships": request_memberships(request) if membership is not None else [],
    }
