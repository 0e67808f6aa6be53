"""API shapes for instruments, topics, assignments, comparisons and session agendas.

Staff see where each partner stands (not opened / opened / in progress with a percentage /
submitted), never what a partner answered; comparison results go to assigned counsellors only
(the views decide who gets these serializers).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import Assignment, Comparison, InstrumentVersion, SessionAgenda
from assessments.safety_status import SafetyStatus
from assessments.selectors import (
    AssignmentProgress,
    Stage,
    assignment_progress,
    instrument_library,
)
from clients.models import Couple, Invitation
from clients.selectors import couples_visible_to
from practice.api import StrictCharField, StrictSlugField, StrictUUIDField

MAX_TOPICS = 50
MAX_NOTE_LENGTH = 10_000


# Library ------------------------------------------------------------------------------------


class AreaSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    item_count = serializers.IntegerField()


class ItemSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    area = serializers.CharField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=["share", "agree", "frequency"])
    reverse = serializers.BooleanField()
    sensitivity = serializers.ChoiceField(choices=["shared", "clinician", "safety"])
    # Declared fields leave the class body (DRF's metaclass), so `required` does not actually
    # shadow Field.required; the type checker cannot know that.
    required = serializers.BooleanField()  # type: ignore[assignment]


class InstrumentSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField(source="instrument.slug")
    version = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    purpose = serializers.ChoiceField(choices=InstrumentVersion.Purpose.choices)
    estimated_minutes = serializers.IntegerField()
    item_count = serializers.IntegerField()
    licence = serializers.CharField()
    authors = serializers.CharField()
    areas = serializers.SerializerMethodField()

    @extend_schema_field(AreaSerializer(many=True))
    def get_areas(self, version: InstrumentVersion) -> list[dict[str, Any]]:
        counts: dict[str, int] = {}
        for item in version.items:
            counts[item["area"]] = counts.get(item["area"], 0) + 1
        return [
            {
                "slug": area["slug"],
                "title": area["title"],
                "description": area.get("description", ""),
                "item_count": counts.get(area["slug"], 0),
            }
            for area in version.areas
        ]


class InstrumentDetailSerializer(InstrumentSerializer):
    items = serializers.SerializerMethodField()

    @extend_schema_field(ItemSerializer(many=True))
    def get_items(self, version: InstrumentVersion) -> list[dict[str, Any]]:
        return ItemSerializer(version.items, many=True).data  # type: ignore[return-value]


class TopicSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    title = serializers.CharField()
    areas = serializers.ListField(child=serializers.CharField())
    triggers = serializers.ListField(child=serializers.CharField())
    why = serializers.CharField()
    steps = serializers.ListField(child=serializers.CharField())


# Assignments --------------------------------------------------------------------------------


class InstrumentRefSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField(source="instrument.slug")
    version = serializers.IntegerField()
    title = serializers.CharField()


class InvitationRefSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    state = serializers.ChoiceField(choices=Invitation.State.choices)


class PartnerStatusSerializer(serializers.Serializer[Any]):
    partner = serializers.ChoiceField(source="side", choices=["a", "b"])
    name = serializers.CharField(source="client.display_name")
    stage = serializers.ChoiceField(choices=Stage.choices)
    percent = serializers.IntegerField(help_text="Share of the items answered, 0-100.")
    answers_version = serializers.IntegerField(help_text="Above 1 after answers were reopened.")
    submitted_at = serializers.DateTimeField(allow_null=True)
    invitation = InvitationRefSerializer(allow_null=True)


class ComparisonRefSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    status = serializers.ChoiceField(choices=Comparison.Status.choices)


class AssignmentSerializer(serializers.Serializer[Any]):
    """Needs assignments from `assessments.selectors.assignments_visible_to` (what it reads is
    prefetched) and `counselled` (couple ids the caller counsels) in the context."""

    id = serializers.UUIDField(source="public_id")
    couple = serializers.UUIDField(source="couple.public_id")
    instrument = InstrumentRefSerializer(source="instrument_version")
    due_date = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()
    status = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()
    partners = serializers.SerializerMethodField()
    comparison = serializers.SerializerMethodField()

    def _progress(self, assignment: Assignment) -> AssignmentProgress:
        # Four fields read the progress; it is worked out once per assignment.
        cache: dict[int, AssignmentProgress] = self.__dict__.setdefault("_progress_cache", {})
        if assignment.pk not in cache:
            cache[assignment.pk] = assignment_progress(
                assignment=assignment, couple=assignment.couple
            )
        return cache[assignment.pk]

    @extend_schema_field(
        serializers.ChoiceField(
            choices=["open", "submitted"],
            help_text="`submitted` once both partners' latest answers are submitted.",
        )
    )
    def get_status(self, assignment: Assignment) -> str:
        return "submitted" if self._progress(assignment).submitted_count == 2 else "open"

    @extend_schema_field(serializers.BooleanField())
    def get_is_overdue(self, assignment: Assignment) -> bool:
        return self._progress(assignment).is_overdue

    @extend_schema_field(PartnerStatusSerializer(many=True))
    def get_partners(self, assignment: Assignment) -> list[dict[str, Any]]:
        partners = self._progress(assignment).partners
        return PartnerStatusSerializer(partners, many=True).data  # type: ignore[return-value]

    @extend_schema_field(
        ComparisonRefSerializer(
            allow_null=True,
            help_text="The newest comparison: only for the couple's own counsellors, else null.",
        )
    )
    def get_comparison(self, assignment: Assignment) -> dict[str, Any] | None:
        if assignment.couple_id not in self.context.get("counselled", set()):
            return None
        newest = getattr(assignment, "newest_comparisons", None)
        if newest is None:
            newest = list(assignment.comparisons.order_by("-created_at", "-pk")[:1])
        return ComparisonRefSerializer(newest[0]).data if newest else None


class AssignmentCreateSerializer(serializers.Serializer[Any]):
    couple = StrictUUIDField(help_text="A couple you can see.")
    instrument = StrictSlugField(max_length=100, help_text="An instrument's slug.")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)

    def validate_couple(self, value: Any) -> Couple:
        couple = (
            couples_visible_to(practice=self.context["practice"], member=self.context["membership"])
            .filter(public_id=value)
            .first()
        )
        if couple is None:
            raise serializers.ValidationError("No couple with this id that you can see.")
        return couple

    def validate_instrument(self, value: str) -> InstrumentVersion:
        version = instrument_library().filter(instrument__slug=value).first()
        if version is None:
            raise serializers.ValidationError("No instrument with this slug in the library.")
        return version


class NewInvitationSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    partner = serializers.ChoiceField(choices=["a", "b"])
    state = serializers.ChoiceField(choices=Invitation.State.choices)
    link = serializers.URLField(
        allow_null=True,
        help_text="Only for a partner without an email, and only this once. Null when the "
        "link is emailed.",
    )


class AssignmentCreatedSerializer(serializers.Serializer[Any]):
    assignment = AssignmentSerializer()
    invitations = NewInvitationSerializer(many=True)
    status_url = serializers.URLField(help_text="Poll it to follow the partners' progress.")


# Comparisons --------------------------------------------------------------------------------


class ComparisonSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    assignment = serializers.UUIDField(source="assignment.public_id")
    couple = serializers.UUIDField(source="assignment.couple.public_id")
    status = serializers.ChoiceField(choices=Comparison.Status.choices)
    attempts = serializers.IntegerField()
    last_error = serializers.CharField(allow_blank=True)
    algorithm_version = serializers.CharField(allow_blank=True)
    overall_index = serializers.IntegerField(allow_null=True)
    overall_band = serializers.CharField(allow_blank=True)
    top_area = serializers.CharField(allow_blank=True)
    has_safety_flags = serializers.SerializerMethodField()
    safety_level = serializers.CharField(allow_blank=True, help_text="`urgent`, `caution` or ''.")
    safety_cleared_at = serializers.DateTimeField(allow_null=True)
    safety_status = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.BooleanField())
    def get_has_safety_flags(self, comparison: Comparison) -> bool:
        return bool(comparison.safety_level)

    @extend_schema_field(
        serializers.ChoiceField(
            choices=SafetyStatus.choices,
            help_text="This comparison's own open flag: `review` for an urgent flag, `caution` "
            "for a caution flag, until the individual check-ins are recorded; else `none`. "
            "The couple's status (on the couple) covers all of its comparisons.",
        )
    )
    def get_safety_status(self, comparison: Comparison) -> str:
        return str(getattr(comparison, "safety_status", SafetyStatus.NONE))


class ComparisonDetailSerializer(ComparisonSerializer):
    result = serializers.JSONField(
        allow_null=True,
        help_text="The stored result: areas, ranked areas, item disagreements, safety flags and "
        "suggested topics (partners named `Partner A` / `Partner B`). Null until done.",
    )


class ComparisonQueuedSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=Comparison.Status.choices)
    status_url = serializers.URLField()


class TrendPointSerializer(serializers.Serializer[Any]):
    comparison = serializers.UUIDField()
    label = serializers.CharField()  # type: ignore[assignment]  # see ItemSerializer.required
    finished_at = serializers.DateTimeField()
    overall_index = serializers.IntegerField(allow_null=True)
    area_indices = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    overall_reliable_change = serializers.BooleanField()
    area_reliable_changes = serializers.ListField(child=serializers.CharField())


class TrendSerializer(serializers.Serializer[Any]):
    comparison = serializers.UUIDField(help_text="The comparison the trend was asked for.")
    instrument = serializers.SlugField(
        help_text="The instrument of every point: a trend never mixes instruments."
    )
    points = TrendPointSerializer(many=True)


# Agendas ------------------------------------------------------------------------------------


class AgendaItemSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    topic_slug = serializers.CharField(allow_blank=True, help_text="Empty for your own items.")
    title = serializers.CharField()
    rationale = serializers.CharField(allow_blank=True)
    why = serializers.CharField(allow_blank=True)
    steps = serializers.ListField(child=serializers.CharField())
    counsellor_note = serializers.CharField(allow_blank=True)
    position = serializers.IntegerField()


class AgendaSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    assignment = serializers.UUIDField(source="assignment.public_id")
    comparison = serializers.SerializerMethodField()
    title = serializers.CharField()
    notes = serializers.CharField(allow_blank=True)
    items = AgendaItemSerializer(many=True, source="items.all")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_comparison(self, agenda: SessionAgenda) -> str | None:
        return str(agenda.comparison.public_id) if agenda.comparison is not None else None


class AgendaCreateSerializer(serializers.Serializer[Any]):
    assignment = StrictUUIDField(help_text="An assignment of a couple you counsel.")
    topics = serializers.ListField(
        child=StrictCharField(max_length=100),
        min_length=1,
        max_length=MAX_TOPICS,
        help_text="Slugs of topics suggested by the comparison.",
    )
    comparison = StrictUUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The finished comparison to take the topics from (default: the newest).",
    )


class AgendaUpdateSerializer(serializers.Serializer[Any]):
    notes = StrictCharField(
        required=False, allow_blank=True, max_length=MAX_NOTE_LENGTH, trim_whitespace=False
    )
    item_notes = serializers.DictField(
        child=StrictCharField(allow_blank=True, max_length=MAX_NOTE_LENGTH, trim_whitespace=False),
        required=False,
        help_text="Item id -> your note on that item.",
    )


class AgendaMoveSerializer(serializers.Serializer[Any]):
    item = StrictUUIDField()
    direction = serializers.ChoiceField(choices=["up", "down"])
