"""The demo practice that `make run` seeds: idempotent, extended by each feature."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django_scopes import scope

from practice.models import Membership, Practice, User


@dataclass(frozen=True)
class DemoLogin:
    email: str
    roles: str


# Later features register functions that add their demo data to the practice.
DEMO_EXTENSIONS: list[Callable[[Practice, dict[str, User]], None]] = []


def _user(email: str, full_name: str, password: str) -> User:
    user, _ = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
    user.full_name = full_name
    user.set_password(password)
    user.save()
    return user


def _member(practice: Practice, user: User, *, admin: bool, counsellor: bool) -> None:
    Membership.objects.update_or_create(
        practice=practice,
        user=user,
        defaults={"is_admin": admin, "is_counsellor": counsellor, "is_active": True},
    )


@transaction.atomic
def seed_demo(slug: str, password: str) -> list[DemoLogin]:
    practice, _ = Practice.objects.get_or_create(
        slug=slug, defaults={"name": "Riverside Counselling (demo)"}
    )
    second, _ = Practice.objects.get_or_create(
        slug=f"{slug}-north", defaults={"name": "Northside Couples Clinic (demo)"}
    )
    users = {
        "admin": _user(f"admin@{slug}.example", "Morgan Reyes", password),
        "counsellor": _user(f"counsellor@{slug}.example", "Dr Sam Okafor", password),
        "counsellor2": _user(f"counsellor2@{slug}.example", "Jordan Lee", password),
    }
    with scope(practice=practice):
        _member(practice, users["admin"], admin=True, counsellor=True)
        _member(practice, users["counsellor"], admin=False, counsellor=True)
        _member(practice, users["counsellor2"], admin=False, counsellor=True)
        for extend in DEMO_EXTENSIONS:
            extend(practice, users)
    with scope(practice=second):
        # The counsellor works in two practices, so the demo shows the picker and switcher.
        _member(second, users["counsellor"], admin=False, counsellor=True)
    return [
        DemoLogin(users["admin"].email, "practice admin and counsellor"),
        DemoLogin(users["counsellor"].email, "counsellor in two practices (picker, switcher)"),
        DemoLogin(users["counsellor2"].email, "counsellor"),
    ]
