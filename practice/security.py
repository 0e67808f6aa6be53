"""Session lifetime and caching rules for everything behind a login."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

SESSION_STARTED_KEY = "auth_started_at"


class SessionLifetimeMiddleware:
    """Ends a staff session 12 hours after login however active it is (the idle timeout is the
    session cookie age, renewed on every request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.setdefault(SESSION_STARTED_KEY, time.time())
            if time.time() - float(started) > settings.SESSION_ABSOLUTE_LIFETIME:
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


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
