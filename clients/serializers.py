"""API shapes for clients, couples and invitations. Input serializers only parse and check that
referenced records belong to the caller's practice; the services do the writing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.assignments.selectors import LATEST_RESULT_COLUMNS
from assessments.engine.scoring import Band
from assessments.safety_status import SafetyStatus
from clients import selectors
from clients.models import Client, Couple, Invitation
from clients.services import PartnerDetails
from practice.api.base import StrictCharField, StrictEmailField, StrictUUIDField
from practice.models import Membership, Practice

MAX_COUNSELLORS = 20


class PartnerSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    display_name = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    pronouns = serializers.CharField(allow_blank=True)


class ClientSerializer(PartnerSerializer):
    couple = serializers.UUIDField(source="couple_public_id", help_text="The client's couple.")
    partner = serializers.ChoiceField(
        source="side", choices=["a", "b"], help_text="Which partner of the couple."
    )


class CounsellorSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id", help_text="The counsellor's membership id.")
    full_name = serializers.CharField(source="user.full_name")
    email = serializers.EmailField(source="user.email")


class InstrumentNameSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    title = serializers.CharField()


class LatestResultSerializer(serializers.Serializer[Any]):
    comparison = serializers.UUIDField(help_text="The comparison these figures come from.")
    assignment = serializers.UUIDField()
    instrument = InstrumentNameSerializer(
        help_text="The instrument the index comes from: indices of different instruments are "
        "different scales."
    )
    index = serializers.IntegerField(
        allow_null=True, help_text="Overall balance index, 0 (balanced) to 100 (severe)."
    )
    band = serializers.ChoiceField(
        choices=[band.value for band in Band],
        allow_null=True,
        help_text="Null while the couple's `safety_status` is `review` (show 'Safety review' "
        "in its place), and when too few answers were given to score.",
    )
    top_area = serializers.CharField(allow_blank=True, help_text="The most imbalanced area.")
    finished_at = serializers.DateTimeField()


class CoupleSerializer(serializers.Serializer[Any]):
    """Needs couples from `assessments.caseload.selectors.couples_for_api` (its annotations)."""

    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=Couple.Status.choices)
    partner_a = PartnerSerializer()
    partner_b = PartnerSerializer()
    counsellors = CounsellorSerializer(many=True, source="counsellors.all")
    safety_status = serializers.SerializerMethodField()
    latest_result = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(
        serializers.ChoiceField(
            choices=SafetyStatus.choices,
            allow_null=True,
            help_text="`review` while any of the couple's comparisons has an open urgent safety "
            "flag (show 'Safety review' in place of any band), else `caution` while one has an "
            "open caution flag (show a marker beside the band), else `none`. A flag stays open "
            "until the individual check-ins are recorded. Null unless you counsel the couple.",
        )
    )
    def get_safety_status(self, couple: Couple) -> str | None:
        if not getattr(couple, "caller_counsels", False):
            return None
        return str(getattr(couple, "safety_status", SafetyStatus.NONE))

    @extend_schema_field(
        LatestResultSerializer(
            allow_null=True,
            help_text="The couple's most recent finished comparison, whatever its instrument. "
            "Null without one, and unless you counsel the couple.",
        )
    )
    def get_latest_result(self, couple: Couple) -> dict[str, Any] | None:
        latest = {name: getattr(couple, name, None) for name in LATEST_RESULT_COLUMNS}
        if latest["latest_comparison"] is None or not getattr(couple, "caller_counsels", False):
            return None
        in_review = getattr(couple, "safety_status", None) == SafetyStatus.REVIEW
        body = {
            "comparison": latest["latest_comparison"],
            "assignment": latest["latest_assignment"],
            "instrument": {
                "slug": latest["latest_instrument_slug"],
                "title": latest["latest_instrument_title"],
            },
            "index": latest["latest_index"],
            "band": None if in_review else latest["latest_band"] or None,
            "top_area": latest["latest_top_area"],
            "finished_at": latest["latest_finished_at"],
        }
        return dict(LatestResultSerializer(body).data)


class PartnerInputSerializer(serializers.Serializer[Any]):
    display_name = StrictCharField(max_length=100)
    email = StrictEmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional. Without an email the link is shown once, for you to pass on.",
    )
    pronouns = StrictCharField(max_length=40, required=False, allow_blank=True, default="")

    def details(self, data: dict[str, Any], current: Client | None = None) -> PartnerDetails:
        def value(name: str) -> str:
            if name in data:
                return str(data[name]).strip()
            return str(getattr(current, name, "")) if current is not None else ""

        return PartnerDetails(
            display_name=value("display_name"),
            email=value("email").lower(),
            pronouns=value("pronouns"),
        )


class PartnerPatchSerializer(PartnerInputSerializer):
    display_name = StrictCharField(max_length=100, required=False)
    email = StrictEmailField(max_length=254, required=False, allow_blank=True)
    pronouns = StrictCharField(max_length=40, required=False, allow_blank=True)


class CounsellorIdsField(serializers.ListField):
    """Membership ids of this practice's active counsellors; any other id is refused."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            child=StrictUUIDField(),
            max_length=MAX_COUNSELLORS,
            help_text="Membership ids (from `members/` or a couple's `counsellors`) of this "
            "practice's active counsellors.",
            **kwargs,
        )


def _counsellors(practice: Practice, ids: list[UUID]) -> list[Membership]:
    wanted = set(ids)
    found = selectors.counsellors_by_public_ids(practice=practice, public_ids=wanted)
    if len(found) != len(wanted):
        raise serializers.ValidationError("Choose active counsellors of this practice.")
    return found


class CoupleCreateSerializer(serializers.Serializer[Any]):
    partner_a = PartnerInputSerializer()
    partner_b = PartnerInputSerializer()
    counsellors = CounsellorIdsField(required=False, default=list)

    def validate_counsellors(self, value: list[UUID]) -> list[Membership]:
        return _counsellors(self.context["practice"], value)


class CoupleUpdateSerializer(serializers.Serializer[Any]):
    partner_a = PartnerPatchSerializer(required=False)
    partner_b = PartnerPatchSerializer(required=False)
    counsellors = CounsellorIdsField(
        required=False, min_length=1, error_messages={"min_length": "Keep at least one."}
    )

    def validate_counsellors(self, value: list[UUID]) -> list[Membership]:
        return _counsellors(self.context["practice"], value)


class InvitationSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    assignment = serializers.UUIDField(source="assignment.public_id")
    partner = serializers.ChoiceField(choices=["a", "b"])
    client_name = serializers.CharField(source="client.display_name")
    has_email = serializers.SerializerMethodField()
    state = serializers.ChoiceField(choices=Invitation.State.choices)
    expires_at = serializers.DateTimeField()
    opened_at = serializers.DateTimeField(allow_null=True)
    consented_at = serializers.DateTimeField(allow_null=True)
    last_sent_at = serializers.DateTimeField(allow_null=True)
    send_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def get_has_email(self, invitation: Invitation) -> bool:
        return bool(invitation.client.email)


class InvitationActionSerializer(serializers.Serializer[Any]):
    invitation = InvitationSerializer()
    link = serializers.URLField(
        allow_null=True,
        help_text="The partner's new link, only when they have no email (shown this once).",
    )
    emailed = serializers.BooleanField(help_text="True when an email with a new link is queued.")


class RescoreSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=["done"])
    examined = serializers.IntegerField(help_text="Finished comparisons looked at.")
    rescored = serializers.IntegerField(
        help_text="Comparisons whose result changed algorithm or inputs and were scored again."
    )
    comparisons_url = serializers.URLField()
