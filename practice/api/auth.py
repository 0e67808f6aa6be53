"""Who is calling the API, and where they belong.

Authentication: a personal API token (`Authorization: Token <key>`) or the staff session (with
DRF's CSRF check). Keys are `secrets.token_urlsafe(32)`, stored as sha256 hashes; a token is
refused while any of its owner's practices requires two-factor authentication and the owner
has no confirmed TOTP device.

Tenancy: `TenancyMiddleware` resolves `practice_slug` for API routes and activates the scope; it
cannot check membership because DRF authenticates later. `IsPracticeMember` does it here, after
authentication, with the same 404 as a practice that does not exist.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from practice.models import ApiToken, Membership, Practice, User
from practice.two_factor import two_factor_required

KEYWORD = "Token"
PREFIX_LENGTH = 8
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
TWO_FACTOR_MISSING = (
    "A practice you belong to requires two-factor authentication. Set it up on your account "
    "page before using the API."
)
TWO_FACTOR_UNVERIFIED = "Confirm this sign-in with your authenticator app before using the API."


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# Two-factor ---------------------------------------------------------------------------------


def has_confirmed_device(user: User) -> bool:
    """True when the user has a confirmed OTP device. Until django-otp's apps are installed
    (or while their tables are missing) nobody has one."""
    try:
        from django_otp import devices_for_user
    except ImportError:  # pragma: no cover - django-otp is a dependency
        return False
    try:
        # A savepoint, so a missing table does not break the caller's transaction.
        with transaction.atomic():
            return any(devices_for_user(user, confirmed=True))
    except DatabaseError:
        return False


def two_factor_missing(user: User) -> bool:
    # Across practices on purpose: the token is the user's, not one practice's.
    return two_factor_required(user) and not has_confirmed_device(user)


def verify_otp(user: User, code: str) -> bool:
    from django_otp import match_token

    try:
        with transaction.atomic():
            return match_token(user, code) is not None
    except DatabaseError:
        return False


# Tokens -------------------------------------------------------------------------------------


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token and its key. The key is returned this once and never stored."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, key_prefix=key[:PREFIX_LENGTH], key_hash=hash_key(key)
    )
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken) -> None:
    # Revoking twice keeps the first time: it is when the token stopped working.
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>`."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as `Authorization: Token <key>`."
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("This token is not valid.") from error
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("This token is not valid or has been revoked.")
        if two_factor_missing(token.user):
            raise exceptions.PermissionDenied(TWO_FACTOR_MISSING)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to a caller with no credentials.
        return KEYWORD


class TwoFactorSessionAuthentication(SessionAuthentication):
    """The staff session (pages' scripts), with DRF's CSRF check, held to the same two-factor
    rule as the pages: a second factor set up must have been used in this session, and one
    required by a practice must be set up."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        found = super().authenticate(request)
        if found is None:
            return None
        user = found[0]
        if has_confirmed_device(user):
            is_verified = getattr(user, "is_verified", None)
            if is_verified is not None and not is_verified():
                raise exceptions.PermissionDenied(TWO_FACTOR_UNVERIFIED)
        elif two_factor_required(user):
            raise exceptions.PermissionDenied(TWO_FACTOR_MISSING)
        return found


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = TwoFactorSessionAuthentication
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`, with a key from `POST /api/v1/auth/token/`.",
        }


# Membership and roles ------------------------------------------------------------------------


def membership_for(user: Any, practice: Practice | None) -> Membership:
    """The caller's active membership in the practice the URL names, or 404 (like a practice
    that does not exist)."""
    if practice is None or not getattr(user, "is_authenticated", False):
        raise exceptions.NotFound()
    membership = (
        Membership.objects.select_related("practice", "user")
        .filter(practice=practice, user=user, is_active=True)
        .first()
    )
    if membership is None:
        raise exceptions.NotFound()
    return membership


def request_membership(request: Request | HttpRequest) -> Membership:
    membership = getattr(request, "membership", None)
    if not isinstance(membership, Membership):
        raise exceptions.NotFound()
    return membership


class IsPracticeMember(BasePermission):
    """Active member of the practice in the URL; anyone else gets 404. Put it after
    IsAuthenticated so an anonymous caller gets 401 first."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        practice = getattr(request, "practice", None)
        request.membership = membership_for(request.user, practice)  # type: ignore[attr-defined]
        return True


class IsPracticeAdmin(BasePermission):
    message = "Only the practice's admins can do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request_membership(request).is_admin


class IsPracticeCounsellor(BasePermission):
    message = "Only counsellors can do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request_membership(request).is_counsellor
