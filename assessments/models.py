"""The instrument and topic library.

These rows are global, shared by every practice (no `practice` field, no scoped manager): they are
loaded from the files in `library/instruments/` and `library/topics.yaml` by
`assessments.library.loader`, never edited through the app. A version of an instrument that has
been given to a couple is frozen.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_scopes import ScopedManager

from assessments.engine import scoring
from assessments.library import validation as definitions

# Instrument definitions by content hash (see `InstrumentVersion.as_definition`); a process meets
# a handful of versions, the limit only guards against unbounded growth.
_DEFINITIONS: dict[str, scoring.InstrumentDef] = {}
_DEFINITIONS_LIMIT = 64


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
        """The scoring engine's definition, built once per process and content: the cache is
        keyed by the content hash, so `definition` (which the comparison job may leave
        deferred) is read only on the first use, and changed content is never served stale."""
        found = _DEFINITIONS.get(self.content_hash)
        if found is None:
            if len(_DEFINITIONS) >= _DEFINITIONS_LIMIT:
                _DEFINITIONS.clear()
            found = _DEFINITIONS[self.content_hash] = definitions.instrument_def(self.definition)
        return found

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


class Assignment(models.Model):
    """An instrument version given to a couple; each partner answers it through an invitation."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(
        "practice.Practice", on_delete=models.CASCADE, related_name="assignments"
    )
    couple = models.ForeignKey(
        "clients.Couple", on_delete=models.CASCADE, related_name="assignments"
    )
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="assignments"
    )
    due_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        "practice.Membership", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept by database triggers (migration 0008): a done comparison and no draft answers, so
    # the dashboard counts it as compared and closed without reading its rows. Never set here.
    settled = models.BooleanField(default=False, editable=False)
    # Kept by the same triggers: each partner's latest answers are submitted (a submission from
    # each, no draft), so the assignment is no longer open.
    closed = models.BooleanField(default=False, editable=False)

    objects = ScopedManager(practice="practice")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["practice", "settled"]),
            # The dashboard counts the settled ones (most of a practice's history) from this alone.
            models.Index(
                fields=["practice"],
                condition=models.Q(settled=True),
                name="assignment_settled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_version} for {self.couple_id}"


class Response(models.Model):
    """One partner's answers to an assignment. Each reopening starts a new `answers_version`
    row; submitted rows never change. `revision` counts autosaves so a stale tab gets 409."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(
        "practice.Practice", on_delete=models.CASCADE, related_name="responses"
    )
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="responses")
    partner = models.CharField(max_length=1, choices=[("a", "Partner A"), ("b", "Partner B")])
    answers_version = models.PositiveSmallIntegerField(default=1)
    revision = models.PositiveIntegerField(default=0)
    answers = models.JSONField(default=dict)
    item_order = models.JSONField(default=list)
    answered_count = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        "practice.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.TextField(blank=True)

    objects = ScopedManager(practice="practice")

    class Meta:
        ordering = ["assignment_id", "partner", "-answers_version"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "partner", "answers_version"],
                name="one_response_per_partner_and_version",
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.partner} v{self.answers_version} to {self.assignment_id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Comparison(models.Model):
    """The comparison of one pair of submitted answers. The database is the source of truth for
    the job: a lost or repeated message can never lose or duplicate a comparison."""

    class Status(models.TextChoices):
        PENDING = "pending", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(
        "practice.Practice", on_delete=models.CASCADE, related_name="comparisons"
    )
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="comparisons")
    response_a = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+")
    response_b = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    algorithm_version = models.CharField(max_length=20, blank=True)
    params_hash = models.CharField(max_length=64, blank=True)
    result = models.JSONField(null=True, blank=True)
    # Copied out of `result` so lists and dashboards aggregate in the database.
    overall_index = models.PositiveSmallIntegerField(null=True, blank=True)
    overall_band = models.CharField(max_length=12, blank=True)
    top_area = models.CharField(max_length=100, blank=True)
    safety_level = models.CharField(max_length=10, blank=True)
    safety_cleared_at = models.DateTimeField(null=True, blank=True)
    # Kept by database triggers (migration 0008): the couple's most recent done comparison,
    # the one the dashboard's headline and top areas read. Never set here.
    latest_of_couple = models.BooleanField(default=False, editable=False)
    safety_cleared_by = models.ForeignKey(
        "practice.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(practice="practice")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "response_a", "response_b"],
                name="one_comparison_per_pair_of_answers",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "queued_at"]),
            # Index-only reads for the dashboard's trend and recent count.
            models.Index(
                fields=["practice", "status", "finished_at"],
                include=["overall_index"],
                name="comparison_finished",
            ),
            models.Index(
                fields=["practice"],
                condition=models.Q(latest_of_couple=True),
                name="comparison_latest_of_couple",
            ),
            # Open safety flags (a few percent of comparisons): the dashboard counts the couples
            # in review from these.
            models.Index(
                fields=["practice", "safety_level"],
                condition=models.Q(status="done", safety_cleared_at__isnull=True)
                & ~models.Q(safety_level=""),
                name="comparison_open_flag",
            ),
        ]

    def __str__(self) -> str:
        return f"Comparison {self.public_id} ({self.status})"

    def as_result(self) -> scoring.ComparisonResult | None:
        return scoring.ComparisonResult.from_dict(self.result) if self.result else None


class ComparisonHistory(models.Model):
    """An earlier result of a comparison, kept when it is re-scored with a newer algorithm or
    changed scoring parameters, so past reports and trends stay explainable."""

    practice = models.ForeignKey("practice.Practice", on_delete=models.CASCADE, related_name="+")
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="history")
    algorithm_version = models.CharField(max_length=20)
    params_hash = models.CharField(max_length=64)
    result = models.JSONField()
    computed_at = models.DateTimeField()
    archived_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(practice="practice")

    def __str__(self) -> str:
        return f"{self.comparison_id} @ {self.algorithm_version}"


class RescoreRun(models.Model):
    """One re-scoring of a practice's done comparisons, fanned out as batch jobs across the
    worker processes. Holds counts only (never results), for the operator's progress display."""

    practice = models.ForeignKey("practice.Practice", on_delete=models.CASCADE, related_name="+")
    force = models.BooleanField(default=False)
    total = models.PositiveIntegerField(default=0)  # comparisons listed for re-scoring
    done = models.PositiveIntegerField(default=0)  # of them examined so far
    rescored = models.PositiveIntegerField(default=0)  # of them changed (each kept as history)
    failed = models.PositiveIntegerField(default=0)  # of them that could not be scored
    batches_total = models.PositiveIntegerField(default=0)
    batches_done = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(practice="practice")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"re-scoring {self.pk}: {self.done}/{self.total}"


class RescoreBatch(models.Model):
    """One batch job of a re-scoring run: finished exactly once, however often delivered."""

    practice = models.ForeignKey("practice.Practice", on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(RescoreRun, on_delete=models.CASCADE, related_name="batches")
    comparison_ids = models.JSONField()
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(practice="practice")

    def __str__(self) -> str:
        return f"batch {self.pk} of re-scoring {self.run_id}"


class SessionAgenda(models.Model):
    """A counsellor's plan for a session with a couple: topics picked from a comparison's
    suggestions, plus their own items, in the order they mean to take them, with notes."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(
        "practice.Practice", on_delete=models.CASCADE, related_name="session_agendas"
    )
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="agendas")
    # The comparison the suggested topics were last taken from; kept if it is later deleted.
    comparison = models.ForeignKey(
        Comparison, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200, default="Session agenda")
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        "practice.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(practice="practice")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["assignment"], name="one_agenda_per_assignment"),
        ]

    def __str__(self) -> str:
        return f"{self.title} for {self.assignment_id}"


class AgendaItem(models.Model):
    """One point on an agenda. Suggested topics are copied in when picked (title, rationale,
    why, steps), so the agenda reads the same after a re-scoring or a library change. An empty
    `topic_slug` marks the counsellor's own item."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey("practice.Practice", on_delete=models.CASCADE, related_name="+")
    agenda = models.ForeignKey(SessionAgenda, on_delete=models.CASCADE, related_name="items")
    topic_slug = models.SlugField(max_length=100, blank=True)
    title = models.CharField(max_length=200)
    rationale = models.TextField(blank=True)
    why = models.TextField(blank=True)
    steps = models.JSONField(default=list, blank=True)
    counsellor_note = models.TextField(blank=True)
    position = models.PositiveIntegerField()

    objects = ScopedManager(practice="practice")

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agenda", "topic_slug"],
                condition=~models.Q(topic_slug=""),
                name="one_agenda_item_per_topic",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_own(self) -> bool:
        return not self.topic_slug


class ReportFigures(models.Model):
    """A comparison's report charts, rendered once and kept with the data they show (so they go
    wherever the comparison goes, erasure included). `fingerprint` digests every input of the
    rendering (the stored result, the names, the chart code...): a re-score, a renamed partner
    or a new release gives a new fingerprint, and the page renders the charts again."""

    class Kind(models.TextChoices):
        CHARTS = "charts", "Report charts"
        TREND = "trend", "Trend across re-assessments"

    practice = models.ForeignKey("practice.Practice", on_delete=models.CASCADE, related_name="+")
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    fingerprint = models.CharField(max_length=64)
    # Empty when there is nothing to draw (a trend needs two scored assessments).
    html = models.TextField(blank=True)

    objects = ScopedManager(practice="practice")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comparison", "kind"], name="one_rendering_per_comparison_and_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.comparison_id}"


class SharedSummary(models.Model):
    """The couple's own strengths-first summary of one assignment (product.md, "Couple's shared
    summary"). `sections` holds what the couple reads: area-level sentences built from shared
    items only (see `assessments.summary.content`), each with the counsellor's edited wording
    when they changed it. Only a released summary is reachable through a partner's link."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RELEASED = "released", "Released"
        WITHDRAWN = "withdrawn", "Withdrawn"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(
        "practice.Practice", on_delete=models.CASCADE, related_name="shared_summaries"
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="shared_summaries"
    )
    # The comparison the sections were built from; a summary never outlives its comparison.
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="+")
    sections = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    released_by = models.ForeignKey(
        "practice.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(practice="practice")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"], name="one_shared_summary_per_assignment"
            ),
        ]

    def __str__(self) -> str:
        return f"Shared summary of {self.assignment_id} ({self.status})"

    @property
    def is_released(self) -> bool:
        return self.status == self.Status.RELEASED


class SummaryLink(models.Model):
    """A partner's private link to a released summary: the token rules of invitations (only a
    SHA-256 hash stored, an expiry, revocable). Each release mints fresh links."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey("practice.Practice", on_delete=models.CASCADE, related_name="+")
    summary = models.ForeignKey(SharedSummary, on_delete=models.CASCADE, related_name="links")
    partner = models.CharField(max_length=1, choices=[("a", "Partner A"), ("b", "Partner B")])
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(practice="practice")

    class Meta:
        ordering = ["summary_id", "partner", "-created_at"]

    def __str__(self) -> str:
        return f"Summary link {self.public_id} ({self.partner})"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @property
    def is_usable(self) -> bool:
        return self.state == "active"
