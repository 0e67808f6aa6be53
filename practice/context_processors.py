from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from practice.tenancy import memberships_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The current practice and member, and the practices the switcher offers."""
    membership = getattr(request, "membership", None)
    return {
        "current_practice": getattr(request, "practice", None),
        "current_membership": membership,
        "my_memberships": memberships_of(request.user) if membership is not None else [],
    }
