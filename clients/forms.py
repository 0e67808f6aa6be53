from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BoundField

from clients.models import Couple
from clients.selectors import counsellor_choices
from clients.services import PartnerDetails
from practice.models import Membership, Practice

EMAIL_HELP = "Optional. Without an email you copy the link and pass it on yourself."


class CounsellorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user.full_name or obj.user.email)


class CoupleForm(forms.Form):
    """Both partners and, for those allowed to change it, the couple's counsellors."""

    a_display_name = forms.CharField(max_length=100, label="Partner A's name")
    a_email = forms.EmailField(required=False, label="Partner A's email", help_text=EMAIL_HELP)
    a_pronouns = forms.CharField(max_length=40, required=False, label="Partner A's pronouns")
    b_display_name = forms.CharField(max_length=100, label="Partner B's name")
    b_email = forms.EmailField(required=False, label="Partner B's email", help_text=EMAIL_HELP)
    b_pronouns = forms.CharField(max_length=40, required=False, label="Partner B's pronouns")
    counsellors = CounsellorChoiceField(
        queryset=Membership.objects.none(),
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        label="Counsellors",
        error_messages={"required": "Choose at least one counsellor."},
    )

    def __init__(
        self,
        *args: Any,
        practice: Practice,
        with_counsellors: bool,
        counsellors_required: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if with_counsellors:
            field = self.fields["counsellors"]
            assert isinstance(field, CounsellorChoiceField)
            # Only this practice's active counsellors: any other id is "not a valid choice".
            field.queryset = counsellor_choices(practice=practice)
            field.required = counsellors_required
        else:
            del self.fields["counsellors"]

    @classmethod
    def initial_for(cls, couple: Couple, counsellors: list[Membership]) -> dict[str, Any]:
        initial: dict[str, Any] = {"counsellors": counsellors}
        for side, client in (("a", couple.partner_a), ("b", couple.partner_b)):
            initial[f"{side}_display_name"] = client.display_name
            initial[f"{side}_email"] = client.email
            initial[f"{side}_pronouns"] = client.pronouns
        return initial

    def partner_fields(self, side: str) -> list[BoundField]:
        return [self[f"{side}_{name}"] for name in ("display_name", "email", "pronouns")]

    @property
    def partner_a_fields(self) -> list[BoundField]:
        return self.partner_fields("a")

    @property
    def partner_b_fields(self) -> list[BoundField]:
        return self.partner_fields("b")

    def partner(self, side: str) -> PartnerDetails:
        return PartnerDetails(
            display_name=self.cleaned_data[f"{side}_display_name"].strip(),
            email=self.cleaned_data[f"{side}_email"].strip().lower(),
            pronouns=self.cleaned_data[f"{side}_pronouns"].strip(),
        )

    def chosen_counsellors(self) -> list[Membership] | None:
        if "counsellors" not in self.fields:
            return None
        return list(self.cleaned_data["counsellors"])
