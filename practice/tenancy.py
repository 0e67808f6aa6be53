"""Tenancy in one place: resolve the practice, check membership, activate the scope.

Every tenant-owned model has a `practice` foreign key and a django-scopes `ScopedManager`, so a
query made outside an active scope raises instead of returning every practice's rows. On
PostgreSQL the scope's practice also names the only rows the database admits (practice/rls.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from celery import Task
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import Resolver404, resolve
from django_scopes import scope, scopes_disabled

from practice.models import Membership, Practice, User
from practice.rls import acting_user

P = ParamSpec("P")
R = TypeVar("R")


class PracticeRequest(HttpRequest):
    """What a tenant view receives: the practice and the acting member are resolved."""

    practice: Practice
    membership: Membership
    user: User


@contextmanager
def practice_scope(practice: Practice | int) -> Iterator[None]:
    """The scope of one practice: the application's checks and, on PostgreSQL, the database's
    rows. The test-only TENANCY_SCOPE_CHECKS=False keeps the practice but disables django-scopes'
    checks inside it, to show the database wall holds on its own."""
    with scope(practice=practice):
        if settings.TENANCY_SCOPE_CHECKS:
            yield
        else:
            with scopes_disabled():
                yield


def practice_ids() -> list[int]:
    """Every practice's id, for work that spans practices (beat jobs, operator commands): it
    names each practice it works on and runs one practice at a time inside `practice_scope`,
    since the database admits no tenant row outside one (the practices table is the root every
    scope starts from, readable without one)."""
    return list(Practice.objects.order_by("pk").values_list("pk", flat=True))


def active_membership(request: HttpRequest, slug: str) -> Membership:
    """The signed-in user's active membership in the practice, or 404: a practice the user does
    not belong to answers exactly like one that does not exist."""
    for membership in request_memberships(request):
        if membership.practice.slug == slug:
            membership.user = request.user  # type: ignore[assignment]
            return membership
    raise Http404


def request_memberships(request: HttpRequest) -> list[Membership]:
    """The signed-in user's active memberships, read once per request: the two-factor check,
    the practice's resolution and the switcher all work from this one query."""
    cached: list[Membership] | None = getattr(request, "_active_memberships", None)
    if cached is None:
        cached = memberships_of(request.user)
        request._active_memberships = cached  # type: ignore[attr-defined]
    return cached


def memberships_of(user: Any) -> list[Membership]:
    """A user's active memberships across practices (for the picker and the switcher)."""
    if not user.is_authenticated:
        return []
    with scopes_disabled(), acting_user(user.pk):
        return list(
            Membership.objects.select_related("practice")
            .filter(user=user, is_active=True)
            .order_by("practice__name")
        )


def _in_scope(practice: Practice, content: Iterable[Any]) -> Iterator[Any]:
    iterator = iter(content)
    while True:
        # One step at a time, so the scope never outlives a step into the server's own code.
        with practice_scope(practice):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


class TenancyMiddleware:
    """Resolves `practice_slug` from the URL and runs the view inside that practice's scope.

    Pages check membership here. API routes only resolve the practice; DRF checks membership after
    its own authentication (token or session), with the same 404 for outsiders.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        slug = match.kwargs.get("practice_slug")
        if slug is None:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            # Authentication comes first (401 for anyone unknown, existing practice or not);
            # DRF then answers 404 to non-members, and to everyone for a missing practice.
            practice = Practice.objects.filter(slug=slug).first()
            request.practice = practice  # type: ignore[attr-defined]
            if practice is None:
                return self.get_response(request)
        else:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = active_membership(request, slug)
            request.membership = membership  # type: ignore[attr-defined]
            request.practice = membership.practice  # type: ignore[attr-defined]
        with practice_scope(request.practice):  # type: ignore[attr-defined]
            response = self.get_response(request)
        if isinstance(response, StreamingHttpResponse):
            # A streamed body (the audit export) is read after the view returns: it reads its
            # rows inside the same practice's scope.
            response.streaming_content = _in_scope(
                request.practice,
                response.streaming_content,
            )
        return response


def _role_required(
    check: Callable[[Membership], bool],
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            request = next(a for a in args if isinstance(a, HttpRequest))
            membership = getattr(request, "membership", None)
            if membership is None:
                raise Http404
            if not check(membership):
                raise PermissionDenied
            return view(*args, **kwargs)

        return wrapper

    return decorator


member_required = _role_required(lambda m: True)
admin_required = _role_required(lambda m: m.is_admin)
counsellor_required = _role_required(lambda m: m.is_counsellor)


class PracticeTask(Task):
    """Celery base for tenant work: the first argument is the practice id (ids only in Redis);
    the body receives the reloaded practice and runs inside its scope."""

    abstract = True

    def __call__(self, practice_id: int, *args: Any, **kwargs: Any) -> Any:
        practice = Practice.objects.get(pk=practice_id)
        with practice_scope(practice):
            # `run`, not `super().__call__`: the latter would push a request whose args hold the
            # Practice object, and a retry would then try to serialise it.
            return self.run(practice, *args, **kwargs)


def enqueue_on_commit(task: Any, practice: Practice, *args: Any) -> None:
    """Send a tenant task once the current transaction commits, so the worker sees its rows."""
    practice_id = practice.pk
    transaction.on_commit(lambda: task.delay(practice_id, *args))
