"""API shapes of comparisons and their trend."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import Comparison
from assessments.safety_status import SafetyStatus


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
