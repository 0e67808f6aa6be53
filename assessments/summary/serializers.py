"""API shapes of the couple's shared summary."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from assessments.models import SharedSummary
from assessments.summary import services
from practice.api.base import StrictCharField


class SummaryTopicSerializer(serializers.Serializer[Any]):
    slug = serializers.SlugField()
    title = serializers.CharField()
    about = serializers.CharField(help_text="The library's plain words on why the topic matters.")


class SummarySectionSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text="`intro`, `strength:<area>` or `work_on:<area>`.")
    kind = serializers.ChoiceField(choices=["intro", "strength", "work_on"])
    area = serializers.CharField(allow_blank=True, help_text="The area's slug ('' for `intro`).")
    heading = serializers.CharField()
    text = serializers.SerializerMethodField(help_text="The words the couple reads.")
    generated = serializers.CharField(help_text="The suggested wording.")
    edited = serializers.SerializerMethodField(help_text="The counsellor changed the wording.")
    topics = SummaryTopicSerializer(many=True)

    def get_text(self, section: dict[str, Any]) -> str:
        return services.shown_text(section)

    def get_edited(self, section: dict[str, Any]) -> bool:
        return bool(section.get("text"))


class SummaryStateSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=SharedSummary.Status.choices,
        help_text="`draft` until released; `withdrawn` after a withdrawal (by the counsellor, "
        "or automatically when a safety flag is raised).",
    )
    comparison = serializers.UUIDField(
        allow_null=True, help_text="The comparison the sections are built from."
    )
    can_release = serializers.BooleanField()
    blocked_by_safety_flag = serializers.BooleanField(
        help_text="A safety flag of the couple is open: nothing can be released."
    )
    released_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawn_reason = serializers.CharField(allow_blank=True)
    sections = SummarySectionSerializer(
        many=True, help_text="Exactly what each partner reads (or would read, once released)."
    )


class SummaryLinksSerializer(serializers.Serializer[Any]):
    a = serializers.URLField(allow_null=True, help_text="Null when emailed to the partner.")
    b = serializers.URLField(allow_null=True, help_text="Null when emailed to the partner.")


class SummaryReleasedSerializer(serializers.Serializer[Any]):
    summary = SummaryStateSerializer()
    links = SummaryLinksSerializer(
        help_text="The private link of each partner without an email on file, shown this once."
    )


class SummaryWithdrawSerializer(serializers.Serializer[Any]):
    reason = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=services.MAX_REASON_LENGTH,
        help_text="Kept in the audit trail.",
    )


def summary_state(preview: services.Preview) -> dict[str, Any]:
    summary = preview.summary
    return {
        "status": preview.status,
        "comparison": None if preview.comparison is None else preview.comparison.public_id,
        "can_release": preview.can_release and not (summary is not None and summary.is_released),
        "blocked_by_safety_flag": preview.blocked_by_flag,
        "released_at": None if summary is None else summary.released_at,
        "withdrawn_at": None if summary is None else summary.withdrawn_at,
        "withdrawn_reason": "" if summary is None else summary.withdrawn_reason,
        "sections": preview.sections,
    }
