from __future__ import annotations

import secrets
import uuid
import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


def new_security_stamp() -> str:
    return secrets.token_hex(16)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A staff person (counsellor, practice admin, operator). Clients never get a login."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    is_staff = models.BooleanField(default=False, help_text="Platform operator: may use /admin/.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Part of the session auth hash: changing it ends every session of this user at once.
    security_stamp = models.CharField(max_length=32, default=new_security_stamp)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def get_session_auth_hash(self) -> str:
        return f"{super().get_session_auth_hash()}:{self.security_stamp}"


class Practice(models.Model):
    """A counselling practice: the tenant. Every clinical row belongs to exactly one."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=150)
    timezone = models.CharField(max_length=64, choices=TIMEZONE_CHOICES, default="Europe/London")
    invitation_expiry_days = models.PositiveSmallIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    require_two_factor = models.BooleanField(default=False)
    reminder_after_days = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    max_reminders = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in a practice, with the roles they hold there."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    is_admin = models.BooleanField(default=False)
    is_counsellor = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(practice="practice")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "user"], name="one_membership_per_user"),
        ]
        ordering = ["user__full_name"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.practice}"

    @property
    def role_labels(self) -> list[str]:
        return [
            label
            for label, held in (("Admin", self.is_admin), ("Counsellor", self.is_counsellor))
            if held
        ]
