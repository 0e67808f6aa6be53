"""Two-factor sign-in for staff (TOTP with recovery codes), and where it is required."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, user_has_device
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from practice.models import Membership, User, new_security_stamp
from practice.tenancy import memberships_of, request_memberships

RECOVERY_CODE_COUNT = 10


def has_two_factor(user: Any) -> bool:
    remembered = getattr(user, HAS_DEVICE_ATTRIBUTE, None)
    if remembered is not None:
        return bool(remembered)
    return bool(user.is_authenticated and user_has_device(user, confirmed=True))


def security_stamp_rotate(user: User) -> None:
    """Ends the user's other sessions and forgets the two-factor state they remembered; the
    caller keeps its own session with update_session_auth_hash."""
    user.security_stamp = new_security_stamp()
    User.objects.filter(pk=user.pk).update(security_stamp=user.security_stamp)


def requires_two_factor(memberships: Iterable[Membership]) -> bool:
    """True when any practice of these (active) memberships requires two-factor sign-in."""
    return any(membership.practice.require_two_factor for membership in memberships)


def two_factor_required(user: Any) -> bool:
    """True when any practice the user works in requires two-factor sign-in."""
    return requires_two_factor(memberships_of(user))


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
    # Sessions that remembered "no second factor" must not carry on without one.
    security_stamp_rotate(user)
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
    security_stamp_rotate(user)


@receiver(post_delete, sender=TOTPDevice)
@receiver(post_delete, sender=StaticDevice)
def _device_removed(sender: type[Device], instance: Device, **kwargs: Any) -> None:
    # However a device goes (an operator in the admin, too), sessions that remembered it as
    # verified or as present end at their next request.
    User.objects.filter(pk=instance.user_id).update(security_stamp=new_security_stamp())


EXEMPT_PREFIXES = ("/login/", "/logout/", "/static/", "/healthz", "/account/two-factor/", "/i/")


TWO_FACTOR_STATE_KEY = "two_factor"
HAS_DEVICE_ATTRIBUTE = "otp_has_device"


class RememberedOTPMiddleware(OTPMiddleware):
    """django-otp's middleware (`user.otp_device`, `user.is_verified()`), which remembers in the
    session whether the user has a confirmed device and which device verified this session, so
    a plain request reads no device table. The memory is keyed to the user's security stamp
    (rotated whenever a device is confirmed or removed) and to the session's verified device."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        self._init_user_fields(user)
        if not user.is_authenticated:
            return user
        session = request.session
        persistent_id = session.get(DEVICE_ID_SESSION_KEY)
        remembered = session.get(TWO_FACTOR_STATE_KEY)
        if (
            isinstance(remembered, dict)
            and remembered.get("stamp") == user.security_stamp
            and remembered.get("device") == persistent_id
        ):
            if persistent_id:
                user.otp_device = SimpleLazyObject(
                    partial(self._device_from_persistent_id, persistent_id)
                )
            setattr(user, HAS_DEVICE_ATTRIBUTE, bool(remembered.get("has_device")))
            return user
        device = self._device_from_persistent_id(persistent_id) if persistent_id else None
        user.otp_device = self._finalize_device(request, user, device)
        _remember_state(request, user)
        return user


def _remember_state(request: HttpRequest, user: Any) -> None:
    has_device = user_has_device(user, confirmed=True)
    setattr(user, HAS_DEVICE_ATTRIBUTE, has_device)
    request.session[TWO_FACTOR_STATE_KEY] = {
        "stamp": user.security_stamp,
        "device": request.session.get(DEVICE_ID_SESSION_KEY),
        "has_device": has_device,
    }


@receiver(user_logged_in)
def _remember_at_sign_in(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    # The sign-in reads the devices once, so the first page after it reads none.
    if request is not None and hasattr(request, "session"):
        _remember_state(request, user)


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
            elif path.startswith("/p/") and requires_two_factor(request_memberships(request)):
                return redirect("two-factor-setup")
        return self.get_response(request)
