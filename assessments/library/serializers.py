"""API shapes of the instrument and topic library."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import InstrumentVersion


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


class InstrumentRefSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField(source="instrument.slug")
    version = serializers.IntegerField()
    title = serializers.CharField()
