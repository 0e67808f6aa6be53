"""A client's export (GDPR Art. 15 and 20), as JSON and as a PDF of the same data.

It holds what the practice keeps about that client and nothing about anyone else (Art. 15(4)):
their profile, the couples they belong to with the partner named only as "your partner", their
invitations, and their own answers. Comparisons are left out because each one is built from both
partners' answers, and agendas because they are the counsellor's clinical notes.
"""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from django.http import Http404
from django.utils import timezone

from assessments.engine.scales import SCALES
from clients.models import Client, Couple, Invitation, Partner
from clients.privacy.records import couples_of, responses_of
from clients.selectors import couple_for_member, is_assigned_counsellor
from practice.models import Membership, Practice
from practice.pdf import render_pdf

EXPORT_FORMAT = "fulcrum-client-export"


EXPORT_FORMAT_VERSION = 1


EXPORT_TEMPLATE = "clients/privacy_export.html"


YOUR_PARTNER = "your partner"


EXPORT_NOTICE = (
    "This is the information the practice holds about you in Fulcrum. It includes your own "
    "answers, some of which may be about safety: keep it somewhere only you can open. It holds "
    "nothing of your partner's answers, and no counsellor's notes."
)


def partner_for_privacy_request(
    practice: Practice,
    member: Membership,
    couple_id: UUID | str,
    side: str,
    *,
    reads_answers: bool,
) -> tuple[Couple, Client]:
    """The partner a privacy request is about. Only the couple's assigned counsellors may export
    (an export holds the client's answers); erasure reveals nothing, so the practice's admins may
    carry it out too. Anyone else, and any other practice's couple, gets the same 404 as a couple
    that does not exist."""
    if side not in Partner.values:
        raise Http404
    couple = couple_for_member(practice=practice, member=member, public_id=couple_id)
    allowed = is_assigned_counsellor(couple=couple, member=member) or (
        member.is_admin and not reads_answers
    )
    if not allowed:
        raise Http404
    return couple, couple.partner(side)


def _when(value: datetime.datetime | datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _side(couple: Couple, client: Client) -> str:
    return Partner.A.label if couple.partner_a_id == client.pk else Partner.B.label


def _answers(version_definition: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The answered items in the form's order, each with its wording and the chosen label."""
    areas = {area["slug"]: area["title"] for area in version_definition.get("areas", [])}
    rows: list[dict[str, Any]] = []
    known: set[str] = set()
    for item in version_definition.get("items", []):
        known.add(item["id"])
        value = answers.get(item["id"])
        if not isinstance(value, int):
            continue
        labels = SCALES.get(item["kind"])
        rows.append(
            {
                "item_id": item["id"],
                "area": areas.get(item["area"], item["area"]),
                "question": item["text"],
                "answer": value,
                "answer_label": labels[value - 1] if labels and 1 <= value <= 5 else str(value),
            }
        )
    # Answers stay the client's data even if their question has since left the form.
    for item_id, value in answers.items():
        if item_id not in known and value is not None:
            rows.append(
                {
                    "item_id": item_id,
                    "area": "",
                    "question": "(this question is no longer part of the form)",
                    "answer": value,
                    "answer_label": str(value),
                }
            )
    return rows


def client_export(client: Client) -> dict[str, Any]:
    """Everything held about the client, and only about them, as JSON-ready data."""
    couples = couples_of(client).order_by("created_at", "pk")
    invitations = (
        Invitation.objects.filter(practice_id=client.practice_id, client=client)
        .select_related("assignment__instrument_version")
        .order_by("created_at", "pk")
    )
    responses = (
        responses_of(client)
        .select_related("assignment__instrument_version")
        .order_by("assignment__created_at", "assignment_id", "answers_version")
    )
    practice = Practice.objects.get(pk=client.practice_id)
    return {
        "about": {
            "format": EXPORT_FORMAT,
            "format_version": EXPORT_FORMAT_VERSION,
            "generated_at": _when(timezone.now()),
            "practice": practice.name,
            "notice": EXPORT_NOTICE,
        },
        "profile": {
            "client_id": str(client.public_id),
            "display_name": client.display_name,
            "email": client.email,
            "pronouns": client.pronouns,
            "created_at": _when(client.created_at),
        },
        "couples": [
            {
                "couple_id": str(couple.public_id),
                "you_are": _side(couple, client),
                "partner": YOUR_PARTNER,
                "status": couple.get_status_display(),
                "created_at": _when(couple.created_at),
                "updated_at": _when(couple.updated_at),
            }
            for couple in couples
        ],
        "invitations": [
            {
                "invitation_id": str(invitation.public_id),
                "instrument": invitation.assignment.instrument_version.title,
                "instrument_version": invitation.assignment.instrument_version.version,
                "state": Invitation.State(invitation.state).label,
                "created_at": _when(invitation.created_at),
                "expires_at": _when(invitation.expires_at),
                "last_emailed_at": _when(invitation.last_sent_at),
                "times_emailed": invitation.send_count,
                "reminders_sent": invitation.reminder_count,
                "opened_at": _when(invitation.opened_at),
                "consented_at": _when(invitation.consented_at),
                "revoked_at": _when(invitation.revoked_at),
                "reported_wrong_person_at": _when(invitation.wrong_person_at),
            }
            for invitation in invitations
        ],
        "responses": [
            {
                "response_id": str(response.public_id),
                "instrument": response.assignment.instrument_version.title,
                "instrument_version": response.assignment.instrument_version.version,
                "answers_version": response.answers_version,
                "status": "submitted" if response.is_submitted else "draft",
                "started_at": _when(response.started_at),
                "updated_at": _when(response.updated_at),
                "submitted_at": _when(response.submitted_at),
                "answers": _answers(
                    response.assignment.instrument_version.definition, dict(response.answers)
                ),
            }
            for response in responses
        ],
    }


def render_export_pdf(data: dict[str, Any]) -> bytes:
    """`client_export` data as a PDF: every value the JSON export holds, and nothing else, laid
    out by the export's template and the print stylesheet. No request: nothing of the staff
    member's session belongs in a document made for the client."""
    return render_pdf(None, EXPORT_TEMPLATE, {"export": data})


def client_export_pdf(client: Client) -> bytes:
    return render_export_pdf(client_export(client))
