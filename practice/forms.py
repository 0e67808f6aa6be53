from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from practice.models import DEFAULT_SUPPORT_LINE, Practice


class EmailAuthenticationForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "type": "email"})


class MemberInviteForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Full name")
    email = forms.EmailField(label="Email")
    is_counsellor = forms.BooleanField(required=False, initial=True, label="Counsellor")
    is_admin = forms.BooleanField(required=False, label="Practice admin")


class MemberRolesForm(forms.Form):
    is_counsellor = forms.BooleanField(required=False, label="Counsellor")
    is_admin = forms.BooleanField(required=False, label="Practice admin")


class PracticeSettingsForm(forms.ModelForm[Practice]):
    class Meta:
        model = Practice
        fields = [
            "name",
            "timezone",
            "invitation_expiry_days",
            "reminder_after_days",
            "max_reminders",
            "require_two_factor",
            "support_line",
        ]
        widgets = {"support_line": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "invitation_expiry_days": "Client links expire after (days)",
            "reminder_after_days": "Remind clients after (days)",
            "max_reminders": "Reminders per link (at most)",
            "require_two_factor": "Require two-factor sign-in for every member",
            "support_line": "Support line for clients",
        }
        help_texts = {
            "support_line": "Shown to clients before they start and after they send their "
            "answers: where to turn if they are worried about their safety. Leave it empty to "
            "use the standard text.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Optional in the form, never empty in the practice: a blank restores the standard text.
        self.fields["support_line"].required = False

    def clean_support_line(self) -> str:
        text = str(self.cleaned_data.get("support_line") or "").strip()
        return text or DEFAULT_SUPPORT_LINE
