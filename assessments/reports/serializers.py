"""API shapes of session agendas."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import SessionAgenda
from practice.api.base import StrictCharField, StrictUUIDField

MAX_TOPICS = 50
MAX_NOTE_LENGTH = 10_000


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
