"""Forms for giving an instrument to a couple and reopening a partner's answers."""

from __future__ import annotations

from typing import Any

from django import forms

from assessments.library.selectors import assign_choices
from assessments.models import InstrumentVersion


class InstrumentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, InstrumentVersion)
        return f"{obj.title} (version {obj.version}, about {obj.estimated_minutes} minutes)"


class AssignForm(forms.Form):
    instrument_version = InstrumentChoiceField(
        queryset=InstrumentVersion.objects.none(),
        label="Instrument",
        empty_label="Choose an instrument",
    )
    due_date = forms.DateField(
        required=False,
        label="Due date",
        help_text="Optional. Shown as overdue on your caseload once it has passed.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instrument_version"]
        assert isinstance(field, InstrumentChoiceField)
        field.queryset = assign_choices()


class ReopenForm(forms.Form):
    reason = forms.CharField(
        max_length=1000,
        label="Reason for reopening",
        help_text="Why the answers are being reopened. Kept with the answers' history.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why the answers are being reopened."},
    )
