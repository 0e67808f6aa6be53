"""The instrument and topic library.

These rows are global, shared by every practice (no `practice` field, no scoped manager): they are
loaded from the files in `instruments/` and `topics.yaml` by `assessments.loader`, never edited
through the app. A version of an instrument that has been given to a couple is frozen.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef

from assessments import definitions, scoring


class Instrument(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    # The title of the highest version, kept here so the library list needs no join.
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title

    def current_version(self) -> InstrumentVersion | None:
        return self.versions.order_by("-version").first()


class InstrumentVersionQuerySet(models.QuerySet["InstrumentVersion"]):
    def current(self) -> InstrumentVersionQuerySet:
        """Only the highest version of each instrument."""
        newer = InstrumentVersion.objects.filter(
            instrument_id=OuterRef("instrument_id"), version__gt=OuterRef("version")
        )
        return self.filter(~Exists(newer))


class InstrumentVersion(models.Model):
    class Purpose(models.TextChoices):
        FULL = "full", "Full assessment"
        SCREENER = "screener", "Screener"
        FACTORS = "factors", "Contributing factors"
        CHECKIN = "checkin", "Check-in"

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField()
    client_intro = models.TextField()
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    licence = models.CharField(max_length=200)
    authors = models.CharField(max_length=300)
    source = models.TextField()
    estimated_minutes = models.PositiveSmallIntegerField()
    shuffle_items = models.BooleanField(default=False)
    # The whole validated file, normalised with every default filled in (see definitions.py):
    # scoring a stored response needs nothing but this row.
    definition = models.JSONField()
    content_hash = models.CharField(max_length=64)
    item_count = models.PositiveIntegerField()
    # Set once the version has been given to a couple; the loader then refuses to change it.
    locked = models.BooleanField(default=False)
    loaded_at = models.DateTimeField()

    objects = InstrumentVersionQuerySet.as_manager()

    _definition_cache: tuple[str, scoring.InstrumentDef] | None

    class Meta:
        ordering = ["instrument_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "version"], name="assessments_instrument_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="assessments_instrument_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    @property
    def is_current(self) -> bool:
        return not InstrumentVersion.objects.filter(
            instrument_id=self.instrument_id, version__gt=self.version
        ).exists()

    @property
    def areas(self) -> list[dict[str, Any]]:
        return list(self.definition["areas"])

    @property
    def items(self) -> list[dict[str, Any]]:
        return list(self.definition["items"])

    def as_definition(self) -> scoring.InstrumentDef:
        # Keyed by the hash so a row reloaded with new content never serves the old definition.
        cached = getattr(self, "_definition_cache", None)
        if cached is None or cached[0] != self.content_hash:
            cached = (self.content_hash, definitions.instrument_def(self.definition))
            self._definition_cache = cached
        return cached[1]

    def in_use(self) -> bool:
        """True once any couple has been given this version, so its content must never change."""
        return self.locked


class Topic(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    areas = models.JSONField(default=list)
    triggers = models.JSONField(default=list)
    why = models.TextField()
    steps = models.JSONField(default=list)
    content_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title

    def as_definition(self) -> scoring.TopicDef:
        return definitions.topic_def(
            {"slug": self.slug, "title": self.title, "areas": self.areas, "triggers": self.triggers}
        )
