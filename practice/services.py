"""Writes on practices and memberships. Keyword-only, typed, atomic."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from practice.models import Membership, Practice, User, new_security_stamp


def set_password_url(user: User) -> str:
    """An expiring link (PASSWORD_RESET_TIMEOUT) with which a new member chooses a password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SITE_URL}{path}"


def _send_member_welcome(membership: Membership, invited_by: User | None) -> None:
    user = membership.user
    context = {
        "membership": membership,
        "practice": membership.practice,
        "invited_by": invited_by,
        "set_password_url": None if user.has_usable_password() else set_password_url(user),
        "login_url": f"{settings.SITE_URL}{reverse('login')}",
    }
    send_mail(
        subject=f"You have been added to {membership.practice.name} on Fulcrum",
        message=render_to_string("practice/email/member_invited.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def practice_create(*, slug: str, name: str, timezone: str = "Europe/London") -> Practice:
    return Practice.objects.create(slug=slug, name=name, timezone=timezone)


@transaction.atomic
def membership_invite(
    *,
    practice: Practice,
    email: str,
    full_name: str,
    is_admin: bool,
    is_counsellor: bool,
    invited_by: User | None,
) -> Membership:
    """Adds a person to the practice. A new person gets an expiring set-password link; someone
    who already has an account (e.g. in another practice) keeps their password."""
    if not (is_admin or is_counsellor):
        raise ValidationError({"is_counsellor": "Choose at least one role."})
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, full_name=full_name)
    membership = Membership.objects.filter(practice=practice, user=user).first()
    if membership is not None and membership.is_active:
        raise ValidationError({"email": "This person is already a member of the practice."})
    if membership is None:
        membership = Membership(practice=practice, user=user)
    membership.is_admin = is_admin
    membership.is_counsellor = is_counsellor
    membership.is_active = True
    membership.save()
    transaction.on_commit(lambda: _send_member_welcome(membership, invited_by))
    return membership


def _would_leave_no_admin(membership: Membership) -> bool:
    other_admins = Membership.objects.filter(
        practice=membership.practice, is_admin=True, is_active=True
    ).exclude(pk=membership.pk)
    return membership.is_admin and not other_admins.exists()


@transaction.atomic
def membership_set_roles(*, membership: Membership, is_admin: bool, is_counsellor: bool) -> None:
    if not (is_admin or is_counsellor):
        raise ValidationError({"is_counsellor": "Choose at least one role."})
    if not is_admin and _would_leave_no_admin(membership):
        raise ValidationError({"is_admin": "A practice needs at least one admin."})
    membership.is_admin = is_admin
    membership.is_counsellor = is_counsellor
    membership.save(update_fields=["is_admin", "is_counsellor"])


@transaction.atomic
def membership_deactivate(*, membership: Membership) -> None:
    """Removes the member's access now: their open sessions end on their next request."""
    if _would_leave_no_admin(membership):
        raise ValidationError("A practice needs at least one active admin.")
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    User.objects.filter(pk=membership.user_id).update(security_stamp=new_security_stamp())


@transaction.atomic
def membership_reactivate(*, membership: Membership) -> None:
    membership.is_active = True
    membership.save(update_fields=["is_active"])
