"""Two-factor sign-in for staff (TOTP with recovery codes), and where it is required."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from typing import Any

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from practice.models import Membership, User

RECOVERY_CODE_COUNT = 10


def has_two_factor(user: Any) -> bool:
    return bool(user.is_authenticated and user_has_device(user, confirmed=True))


def two_factor_required(user: Any) -> bool:
    """True when any practice the user works in requires two-factor sign-in."""
    with scopes_disabled():
        return Membership.objects.filter(
            user=user, is_active=True, practice__require_two_factor=True
        ).exists()


def pending_totp_device(user: User) -> TOTPDevice:
    """The unconfirmed device whose secret the enrolment page shows (one at a time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def qr_code_svg(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@transaction.atomic
def two_factor_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirms the app once it shows a valid code; returns fresh recovery codes (shown once)."""
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return recovery_codes_regenerate(user=user)


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="Recovery codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    for device in devices_for_user(user, confirmed=None):
        device.delete()


EXEMPT_PREFIXES = ("/login/", "/logout/", "/static/", "/healthz", "/account/two-factor/", "/i/")


class TwoFactorMiddleware:
    """A signed-in user with a second factor must use it before anything else; a user whose
    practice requires one must set it up first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        path = request.path_info
        if (
            user.is_authenticated
            and not path.startswith(EXEMPT_PREFIXES)
            and not path.startswith("/api/")
        ):
            if has_two_factor(user):
                if not user.is_verified():  # type: ignore[attr-defined]
                    return redirect(f"{reverse('two-factor-verify')}?next={path}")
            elif path.startswith("/p/") and two_factor_required(user):
                return redirect("two-factor-setup")
        return self.get_response(request)
