"""Privacy requests for one partner of a couple: export their data (JSON or PDF) and erase it.

The practice handles these requests for its clients: its admins and the couple's assigned
counsellors may act; everyone else gets the 404 of a missing page.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from clients.models import Client, Couple
from clients.privacy import erasure as privacy_erasure
from clients.privacy import export as privacy_export
from clients.privacy import sessions as privacy_sessions
from practice import audit
from practice.models import AuditEvent
from practice.tenancy import PracticeRequest, member_required

CONFIRM_WORD = "ERASE"


class EraseForm(forms.Form):
    confirm = forms.CharField(
        max_length=20,
        label=f"Type {CONFIRM_WORD} to confirm",
        help_text="This cannot be undone.",
        error_messages={"required": f"Type {CONFIRM_WORD} to confirm the erasure."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_confirm(self) -> str:
        value: str = self.cleaned_data["confirm"].strip()
        if value != CONFIRM_WORD:
            raise forms.ValidationError(
                f"Type {CONFIRM_WORD} in capital letters to confirm the erasure."
            )
        return value


def _partner(
    request: PracticeRequest, couple_id: str, side: str, *, reads_answers: bool = True
) -> tuple[Couple, Client]:
    return privacy_export.partner_for_privacy_request(
        request.practice, request.membership, couple_id, side, reads_answers=reads_answers
    )


def _attachment(body: bytes | str, content_type: str, side: str, extension: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    # The file name names no one: it may end up in a shared downloads folder.
    filename = f"personal-data-partner-{side}-{timezone.localdate().isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _record_export(request: PracticeRequest, client: Client, kind: str) -> None:
    audit.record(
        request,
        AuditEvent.Action.EXPORT,
        practice=request.practice,
        object_type="client",
        object_id=str(client.public_id),
        detail=f"personal data export ({kind})",
    )


@member_required
@require_GET
def export_json(
    request: PracticeRequest, practice_slug: str, couple_id: str, side: str
) -> HttpResponse:
    _, client = _partner(request, couple_id, side)
    body = json.dumps(privacy_export.client_export(client), indent=2, ensure_ascii=False)
    _record_export(request, client, "json")
    return _attachment(body, "application/json; charset=utf-8", side, "json")


@member_required
@require_GET
def export_pdf(
    request: PracticeRequest, practice_slug: str, couple_id: str, side: str
) -> HttpResponse:
    _, client = _partner(request, couple_id, side)
    body = privacy_export.client_export_pdf(client)
    _record_export(request, client, "pdf")
    return _attachment(body, "application/pdf", side, "pdf")


@member_required
@require_http_methods(["GET", "POST"])
def erase(request: PracticeRequest, practice_slug: str, couple_id: str, side: str) -> HttpResponse:
    couple, client = _partner(request, couple_id, side, reads_answers=False)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The service writes the audit row (action "delete"), so no decorator here.
        privacy_erasure.client_erase(client=client, by=request.membership, request=request)
        # The service scrubs stored sessions, but this request's own copy is saved after it.
        request.session.pop(f"{privacy_sessions.ONCE_LINKS_PREFIX}{couple.public_id}", None)
        messages.success(
            request,
            "The partner's personal details, answers, links and the comparisons built from "
            "their answers have been erased.",
        )
        return redirect("couple-detail", practice_slug=request.practice.slug, couple_id=couple_id)
    return render(
        request,
        "clients/privacy_erase.html",
        {
            "couple": couple,
            "client": client,
            "side_label": "Partner A" if side == "a" else "Partner B",
            "preview": privacy_erasure.erasure_preview(client),
            "form": form,
            "confirm_word": CONFIRM_WORD,
        },
        status=400 if form.errors else 200,
    )
