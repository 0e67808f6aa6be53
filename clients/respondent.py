"""The respondent session: a browser bound to one partner's invitation, and nothing else.

Opening `/i/<token>` replaces whatever session the browser had with one that holds only the
invitation id, its practice and the hash of the token it was opened with. Every respondent page
and API call reloads that invitation inside its practice's scope, so it can reach only its own
response, and only while that very link still works: revoking, reissuing or resending the link
(each of which retires the token), its expiry and the client's erasure end the session at its
next request.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clients.models import Invitation
from practice.models import Practice
from practice.tenancy import practice_scope

SESSION_KEY = "respondent"
# A partner reading the couple's shared summary through its private link (no respondent session).
READER_KEY = "summary_reader"

# Why a respondent request found no usable invitation (the link-problem page words each one).
MISSING = "missing"  # no respondent session in this browser (or the invitation is gone)
REPLACED = "replaced"  # the link was reissued or resent: a newer token replaced this one


@dataclass(frozen=True)
class RespondentLink:
    """The outcome of checking a request's respondent session: the invitation when the session
    may act, otherwise why not."""

    invitation: Invitation | None
    problem: str = ""


def bind(request: HttpRequest, invitation: Invitation) -> None:
    request.session.flush()
    request.session[SESSION_KEY] = {
        "invitation": invitation.pk,
        "practice": invitation.practice_id,
        # The hash, never the token: the session store must not hold a working link.
        "token_hash": invitation.token_hash,
    }
    if invitation.opened_at is None:
        invitation.opened_at = timezone.now()
        invitation.save(update_fields=["opened_at"])


def unbind(request: HttpRequest) -> None:
    request.session.flush()


def _problem(invitation: Invitation | None, bound_hash: str) -> str:
    if invitation is None:
        return MISSING
    if not hmac.compare_digest(invitation.token_hash, bound_hash):
        return REPLACED
    if not invitation.is_usable:
        return invitation.state
    return ""


@contextmanager
def respondent_scope(request: HttpRequest) -> Iterator[RespondentLink]:
    """The session's invitation, loaded inside its practice's scope, when the link the session
    was opened with still works. A session whose link has stopped working is ended here, before
    any view runs, so nothing it sends is saved."""
    bound = request.session.get(SESSION_KEY)
    # A staff login never doubles as a respondent session (bind() flushes it, but a sign-in in
    # the same browser afterwards would keep the key). Its session is not ours to end.
    if not isinstance(bound, dict) or request.user.is_authenticated:
        yield RespondentLink(None, MISSING)
        return
    practice_id, invitation_id = bound.get("practice"), bound.get("invitation")
    bound_hash = bound.get("token_hash")
    if (
        not isinstance(practice_id, int)
        or not isinstance(invitation_id, int)
        or not isinstance(bound_hash, str)
    ):
        unbind(request)
        yield RespondentLink(None, MISSING)
        return
    practice = Practice.objects.filter(pk=practice_id).first()
    if practice is None:
        unbind(request)
        yield RespondentLink(None, MISSING)
        return
    with practice_scope(practice):
        invitation = (
            Invitation.objects.select_related(
                "practice", "client", "assignment__instrument_version"
            )
            .filter(pk=invitation_id)
            .first()
        )
        problem = _problem(invitation, bound_hash)
        if problem:
            unbind(request)
            yield RespondentLink(None, problem)
        else:
            yield RespondentLink(invitation)


def link_problem(request: HttpRequest, reason: str, status: int = 410) -> HttpResponse:
    return render(request, "respond/link_problem.html", {"reason": reason}, status=status)


def respondent_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Runs the view with `request.invitation` set, inside the invitation's practice scope."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with respondent_scope(request) as link:
            if link.invitation is None:
                status = 403 if link.problem == MISSING else 410
                return link_problem(request, link.problem, status=status)
            request.invitation = link.invitation  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

    return wrapper
