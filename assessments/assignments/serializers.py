"""API shapes of assignments and each partner's progress (never their answers)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.assignments.selectors import AssignmentProgress, Stage, assignment_progress
from assessments.library.selectors import instrument_library
from assessments.library.serializers import InstrumentRefSerializer
from assessments.models import Assignment, Comparison, InstrumentVersion
from clients.models import Couple, Invitation
from clients.selectors import couples_visible_to
from practice.api.base import StrictSlugField, StrictUUIDField


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
    """Needs assignments from `assignments_visible_to` (what it reads is prefetched) and
    `counselled` (couple ids the caller counsels) in the context."""

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
