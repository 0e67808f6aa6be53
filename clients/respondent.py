"""The respondent session: a browser bound to one partner's invitation, and nothing else.

Opening `/i/<token>` replaces whatever session the browser had with one that holds only the
invitation id and its practice. Every respondent page and API call reloads that invitation inside
its practice's scope, so it can reach only its own response.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_scopes import scope

from clients.models import Invitation
from practice.models import Practice

SESSION_KEY = "respondent"


def bind(request: HttpRequest, invitation: Invitation) -> None:
    request.session.flush()
    request.session[SESSION_KEY] = {"invitation": invitation.pk, "practice": invitation.practice_id}
    if invitation.opened_at is None:
        invitation.opened_at = timezone.now()
        invitation.save(update_fields=["opened_at"])


def unbind(request: HttpRequest) -> None:
    request.session.flush()


@contextmanager
def respondent_scope(request: HttpRequest) -> Iterator[Invitation | None]:
    """The session's invitation, loaded inside its practice's scope; None when there is none."""
    bound = request.session.get(SESSION_KEY)
    # A staff login never doubles as a respondent session (bind() flushes it, but a sign-in in
    # the same browser afterwards would keep the key).
    if not isinstance(bound, dict) or request.user.is_authenticated:
        yield None
        return
    practice_id, invitation_id = bound.get("practice"), bound.get("invitation")
    if not isinstance(practice_id, int) or not isinstance(invitation_id, int):
        yield None
        return
    practice = Practice.objects.filter(pk=practice_id).first()
    if practice is None:
        yield None
        return
    with scope(practice=practice):
        yield (
            Invitation.objects.select_related(
                "practice", "client", "assignment__instrument_version"
            )
            .filter(pk=invitation_id)
            .first()
        )


def link_problem(request: HttpRequest, reason: str, status: int = 410) -> HttpResponse:
    return render(request, "respond/link_problem.html", {"reason": reason}, status=status)


def respondent_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Runs the view with `request.invitation` set, inside the invitation's practice scope."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with respondent_scope(request) as invitation:
            if invitation is None:
                return link_problem(request, "missing", status=403)
            if not invitation.is_usable:
                unbind(request)
                return link_problem(request, invitation.state)
            request.invitation = invitation  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

    return wrapper
