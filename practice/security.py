"""Session lifetime and caching rules for everything behind a login."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.backends.base import SessionBase
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

SESSION_STARTED_KEY = "auth_started_at"
SESSION_SEEN_KEY = "seen_at"
# Sessions with an idle timeout worth keeping alive: staff sign-ins and respondents.
RESPONDENT_SESSION_KEY = "respondent"


class SessionLifetimeMiddleware:
    """Ends a staff session 12 hours after login however active it is, and any signed-in or
    respondent session idle for 30 minutes.

    Activity is the last-seen time kept in the session, written at most once a minute (each
    write also pushes the stored expiry ahead), so a plain read writes nothing; idleness is
    judged on it, with at most a minute's slack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = time.time()
        session = request.session
        if request.user.is_authenticated:
            started = session.setdefault(SESSION_STARTED_KEY, now)
            if now - float(started) > settings.SESSION_ABSOLUTE_LIFETIME or _idle(session, now):
                logout(request)
                return redirect_to_login(request.get_full_path())
            _touch(session, now)
        elif not session.is_empty() and RESPONDENT_SESSION_KEY in session:
            if _idle(session, now):
                # The respondent pages answer a missing session themselves.
                session.flush()
            else:
                _touch(session, now)
        return self.get_response(request)


@receiver(user_logged_in)
def _note_sign_in(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    # At sign-in rather than on the next request, which then writes nothing.
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED_KEY] = now
        request.session[SESSION_SEEN_KEY] = now


def _idle(session: SessionBase, now: float) -> bool:
    seen = session.get(SESSION_SEEN_KEY)
    return seen is not None and now - float(seen) > settings.SESSION_IDLE_TIMEOUT


def _touch(session: SessionBase, now: float) -> None:
    seen = session.get(SESSION_SEEN_KEY)
    if seen is None or now - float(seen) >= settings.SESSION_SEEN_RESOLUTION:
        session[SESSION_SEEN_KEY] = now


class NoStoreMiddleware:
    """Pages for a signed-in person (or a respondent) must never sit in a shared or disk cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        private = request.user.is_authenticated or request.session.get("respondent")
        if private and not request.path_info.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store, private"
        return response
