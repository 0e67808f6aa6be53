"""People and couples of a practice, and the private links through which partners answer."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from practice.models import Membership, Practice


class Client(models.Model):
    """One person in a couple. Clients never log in; they answer through their own link."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="clients")
    display_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(practice="practice")

    def __str__(self) -> str:
        return self.display_name


class Couple(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="couples")
    partner_a = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    partner_b = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    counsellors = models.ManyToManyField(Membership, related_name="couples", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(practice="practice")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(partner_a=models.F("partner_b")), name="two_different_partners"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.partner_a.display_name} & {self.partner_b.display_name}"

    def partner(self, side: str) -> Client:
        return self.partner_a if side == Partner.A else self.partner_b


class Partner(models.TextChoices):
    A = "a", "Partner A"
    B = "b", "Partner B"


class Invitation(models.Model):
    """A partner's private link to one assignment. Only a hash of the token is stored."""

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"
        WRONG_PERSON = "wrong_person", "Reported as wrong person"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="invitations")
    assignment = models.ForeignKey(
        "assessments.Assignment", on_delete=models.CASCADE, related_name="invitations"
    )
    partner = models.CharField(max_length=1, choices=Partner.choices)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    wrong_person_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(default=0)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(practice="practice")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "partner"], name="one_invitation_per_partner"
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.public_id} ({self.partner})"

    @property
    def state(self) -> str:
        if self.wrong_person_at:
            return self.State.WRONG_PERSON
        if self.revoked_at:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.ACTIVE

    @property
    def is_usable(self) -> bool:
        return self.state == self.State.ACTIVE
