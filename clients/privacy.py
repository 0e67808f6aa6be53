"""Data-subject requests (GDPR Art. 15, 17, 20) and practice offboarding.

A client's export holds what the practice keeps about that client and nothing about anyone else
(Art. 15(4)): their profile, the couples they belong to with the partner named only as "your
partner", their invitations, and their own answers. Comparisons are left out because each one is
built from both partners' answers, and agendas because they are the counsellor's clinical notes.

Erasure removes the client's answers, everything computed from them and their invitations, and
blanks their personal fields; the Client row stays so the couple and the audit trail still point
at something. Offboarding removes every row of a practice, its audit trail included.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.db import connection, models, transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django_scopes import scopes_disabled

from assessments.models import (
    AgendaItem,
    Assignment,
    Comparison,
    ComparisonHistory,
    Response,
    SessionAgenda,
)
from assessments.scales import SCALES
from clients.models import Client, Couple, Invitation, Partner
from clients.selectors import couple_for_member, is_assigned_counsellor
from practice import audit
from practice.models import ApiToken, AuditEvent, Membership, Practice, User
from practice.pdf import render_pdf

EXPORT_FORMAT = "fulcrum-client-export"
EXPORT_FORMAT_VERSION = 1
EXPORT_TEMPLATE = "clients/privacy_export.html"
YOUR_PARTNER = "your partner"
ERASED_NAME = "Erased client"
EXPORT_NOTICE = (
    "This is the information the practice holds about you in Fulcrum. It includes your own "
    "answers, some of which may be about safety: keep it somewhere only you can open. It holds "
    "nothing of your partner's answers, and no counsellor's notes."
)
# Where the couple page keeps links to show once (clients.views.remember_links); they carry the
# partners' names, so erasure and offboarding strip them from open sessions.
ONCE_LINKS_PREFIX = "once-links:"
RESPONDENT_SESSION_KEY = "respondent"


# Reads ------------------------------------------------------------------------------------------


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


def _couples_of(client: Client) -> QuerySet[Couple]:
    return Couple.objects.filter(practice_id=client.practice_id).filter(
        Q(partner_a=client) | Q(partner_b=client)
    )


def _responses_of(client: Client) -> QuerySet[Response]:
    """The client's own responses: their side of each of their couples' assignments."""
    return Response.objects.filter(practice_id=client.practice_id).filter(
        Q(assignment__couple__partner_a=client, partner=Partner.A)
        | Q(assignment__couple__partner_b=client, partner=Partner.B)
    )


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
    couples = _couples_of(client).order_by("created_at", "pk")
    invitations = (
        Invitation.objects.filter(practice_id=client.practice_id, client=client)
        .select_related("assignment__instrument_version")
        .order_by("created_at", "pk")
    )
    responses = (
        _responses_of(client)
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


# The export as a PDF ----------------------------------------------------------------------------


def render_export_pdf(data: dict[str, Any]) -> bytes:
    """`client_export` data as a PDF: every value the JSON export holds, and nothing else, laid
    out by the export's template and the print stylesheet. No request: nothing of the staff
    member's session belongs in a document made for the client."""
    return render_pdf(None, EXPORT_TEMPLATE, {"export": data})


def client_export_pdf(client: Client) -> bytes:
    return render_export_pdf(client_export(client))


# Open sessions ----------------------------------------------------------------------------------


def _scrub_sessions(
    *, drop: Callable[[dict[str, Any]], bool], strip: Callable[[str], bool]
) -> None:
    """Deletes the stored sessions `drop` picks and removes the keys `strip` picks from the
    others, expired ones included (they still hold their data until `clearsessions`). Only
    database-backed sessions can be enumerated; signed-cookie sessions live in browsers."""
    engines = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")
    if settings.SESSION_ENGINE not in engines:
        return
    from django.contrib.sessions.models import Session

    engine = import_module(settings.SESSION_ENGINE)
    cached = settings.SESSION_ENGINE.endswith("cached_db")
    for row in Session.objects.all().iterator():
        data = row.get_decoded()
        if not data:
            continue
        key = row.session_key
        if drop(data):
            row.delete()
        elif any(strip(name) for name in data):
            kept = {name: value for name, value in data.items() if not strip(name)}
            row.session_data = engine.SessionStore().encode(kept)
            row.save(update_fields=["session_data"])
        else:
            continue
        if cached:
            caches[settings.SESSION_CACHE_ALIAS].delete(
                engine.SessionStore(session_key=key).cache_key
            )


# Erasure ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    responses: int
    comparisons: int
    invitations: int
    agendas_affected: int


@dataclass(frozen=True)
class _Targets:
    response_ids: list[int]
    comparison_ids: list[int]
    agenda_ids: list[int]
    invitation_ids: set[int]


def _erasure_targets(client: Client) -> _Targets:
    response_ids = list(_responses_of(client).values_list("pk", flat=True))
    comparisons = Comparison.objects.filter(practice_id=client.practice_id).filter(
        Q(response_a_id__in=response_ids) | Q(response_b_id__in=response_ids)
    )
    comparison_ids = list(comparisons.values_list("pk", flat=True))
    assignment_ids = set(comparisons.values_list("assignment_id", flat=True))
    agendas = SessionAgenda.objects.filter(practice_id=client.practice_id).filter(
        Q(comparison_id__in=comparison_ids) | Q(assignment_id__in=assignment_ids)
    )
    invitations = Invitation.objects.filter(practice_id=client.practice_id, client=client)
    return _Targets(
        response_ids=response_ids,
        comparison_ids=comparison_ids,
        agenda_ids=list(agendas.values_list("pk", flat=True)),
        invitation_ids=set(invitations.values_list("pk", flat=True)),
    )


def erasure_preview(client: Client) -> Erasure:
    """What `client_erase` would remove, for the confirmation page."""
    targets = _erasure_targets(client)
    return Erasure(
        responses=len(targets.response_ids),
        comparisons=len(targets.comparison_ids),
        invitations=len(targets.invitation_ids),
        agendas_affected=len(targets.agenda_ids),
    )


@transaction.atomic
def client_erase(*, client: Client, by: Membership, request: HttpRequest | None = None) -> Erasure:
    """Erases the client (Art. 17): their answers and the comparisons built from them (with their
    re-scoring history), their invitations, and their name, email and pronouns. The Client row
    stays, renamed, so the couple and the audit trail keep pointing at something.

    Agendas are the counsellor's: they stay, with their own items and notes, but each suggested
    topic loses its rationale (it quoted the erased answers) and the agenda its comparison.
    `request` only stamps the audit row with the address and request id."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    couples = list(_couples_of(client))
    targets = _erasure_targets(client)
    AgendaItem.objects.filter(agenda_id__in=targets.agenda_ids).exclude(rationale="").update(
        rationale=""
    )
    SessionAgenda.objects.filter(pk__in=targets.agenda_ids, comparison__isnull=False).update(
        comparison=None
    )
    ComparisonHistory.objects.filter(comparison_id__in=targets.comparison_ids).delete()
    Comparison.objects.filter(pk__in=targets.comparison_ids).delete()
    Response.objects.filter(pk__in=targets.response_ids).delete()
    Invitation.objects.filter(pk__in=targets.invitation_ids).delete()

    client.display_name = ERASED_NAME
    client.email = ""
    client.pronouns = ""
    client.save(update_fields=["display_name", "email", "pronouns"])

    once_links = {f"{ONCE_LINKS_PREFIX}{couple.public_id}" for couple in couples}

    def bound_to_erased_invitation(data: dict[str, Any]) -> bool:
        bound = data.get(RESPONDENT_SESSION_KEY)
        return isinstance(bound, dict) and bound.get("invitation") in targets.invitation_ids

    _scrub_sessions(drop=bound_to_erased_invitation, strip=once_links.__contains__)

    audit.record(
        request,
        AuditEvent.Action.DELETE,
        practice=client.practice,
        actor=by.user,
        object_type="client",
        object_id=str(client.public_id),
        detail=(
            f"erased: {len(targets.response_ids)} responses, "
            f"{len(targets.comparison_ids)} comparisons, {len(targets.invitation_ids)} invitations"
        ),
    )
    return Erasure(
        responses=len(targets.response_ids),
        comparisons=len(targets.comparison_ids),
        invitations=len(targets.invitation_ids),
        agendas_affected=len(targets.agenda_ids),
    )


# Offboarding ------------------------------------------------------------------------------------


def _departing_users(practice: Practice) -> QuerySet[User]:
    """Staff of this practice with no membership anywhere else (inactive ones count: they may be
    reactivated). Platform operators keep their accounts."""
    members = Membership.objects.filter(practice=practice).values("user_id")
    elsewhere = Membership.objects.exclude(practice=practice).values("user_id")
    return (
        User.objects.filter(pk__in=members)
        .exclude(pk__in=elsewhere)
        .exclude(is_staff=True)
        .exclude(is_superuser=True)
    )


def practice_rows(practice: Practice) -> dict[str, int]:
    """How many rows offboarding would delete, by kind (for the command's confirmation)."""
    # The operator acts on the whole practice from outside any request, so no scope is active.
    with scopes_disabled():
        return {
            "couples": Couple.objects.filter(practice=practice).count(),
            "clients": Client.objects.filter(practice=practice).count(),
            "assignments": Assignment.objects.filter(practice=practice).count(),
            "responses": Response.objects.filter(practice=practice).count(),
            "comparisons": Comparison.objects.filter(practice=practice).count(),
            "agendas": SessionAgenda.objects.filter(practice=practice).count(),
            "audit events": AuditEvent.objects.filter(practice=practice).count(),
            "memberships": Membership.objects.filter(practice=practice).count(),
            "staff accounts": _departing_users(practice).count(),
        }


def _delete(queryset: QuerySet[Any], report: dict[str, int]) -> None:
    _, by_model = queryset.delete()
    for label, count in by_model.items():
        if count:
            report[label] = report.get(label, 0) + count


def _admin_log(model: type[models.Model], ids: Iterable[Any]) -> QuerySet[LogEntry]:
    content_type = ContentType.objects.get_for_model(model)
    return LogEntry.objects.filter(content_type=content_type, object_id__in=[str(pk) for pk in ids])


@transaction.atomic
def practice_offboard(*, practice: Practice) -> dict[str, int]:
    """Deletes every row of the practice in one transaction, its audit trail included, and the
    staff accounts that belonged to it alone (with their devices, API tokens, sign-in records
    and sessions). Returns the number of rows deleted per model."""
    if connection.vendor == "postgresql":
        # The audit table's trigger refuses deletes unless the transaction says it offboards.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL fulcrum.allow_audit_delete = 'on'")
    report: dict[str, int] = {}
    # Offboarding spans the whole practice and the platform-level rows of its staff (users,
    # sessions, lockout records), which no practice scope covers; every query below still names
    # the practice or rows reached through it.
    with scopes_disabled():
        practice = Practice.objects.select_for_update().get(pk=practice.pk)
        users = list(_departing_users(practice))
        user_ids = [user.pk for user in users]
        membership_ids = list(
            Membership.objects.filter(practice=practice).values_list("pk", flat=True)
        )
        couple_keys = {
            f"{ONCE_LINKS_PREFIX}{public_id}"
            for public_id in Couple.objects.filter(practice=practice).values_list(
                "public_id", flat=True
            )
        }

        _delete(AuditEvent.objects.filter(practice=practice), report)
        # Their own sign-in trail (no practice) would otherwise outlive the accounts, with IPs.
        _delete(AuditEvent.objects.filter(practice__isnull=True, actor_id__in=user_ids), report)
        _delete(AgendaItem.objects.filter(practice=practice), report)
        _delete(SessionAgenda.objects.filter(practice=practice), report)
        _delete(ComparisonHistory.objects.filter(practice=practice), report)
        _delete(Comparison.objects.filter(practice=practice), report)
        _delete(Response.objects.filter(practice=practice), report)
        _delete(Invitation.objects.filter(practice=practice), report)
        _delete(Assignment.objects.filter(practice=practice), report)
        _delete(Couple.counsellors.through.objects.filter(couple__practice=practice), report)
        # Couples first: they PROTECT their partners.
        _delete(Couple.objects.filter(practice=practice), report)
        _delete(Client.objects.filter(practice=practice), report)
        _delete(Membership.objects.filter(practice=practice), report)
        _delete(_admin_log(Membership, membership_ids), report)
        _delete(_admin_log(User, user_ids), report)
        _delete(_admin_log(Practice, [practice.pk]), report)
        # Anything added to the schema later with a cascading practice key goes with the row.
        _delete(Practice.objects.filter(pk=practice.pk), report)

        _delete(ApiToken.objects.filter(user_id__in=user_ids), report)
        _delete_sign_in_records([user.email for user in users], report)
        _delete(User.objects.filter(pk__in=user_ids), report)

    departed = {str(pk) for pk in user_ids}

    def of_the_practice(data: dict[str, Any]) -> bool:
        bound = data.get(RESPONDENT_SESSION_KEY)
        if isinstance(bound, dict) and bound.get("practice") == practice.pk:
            return True
        return str(data.get("_auth_user_id", "")) in departed

    _scrub_sessions(drop=of_the_practice, strip=couple_keys.__contains__)
    return report


def _delete_sign_in_records(emails: list[str], report: dict[str, int]) -> None:
    """django-axes keys its records on the username typed at sign-in (the email)."""
    if not emails:
        return
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    typed = Q()
    for email in emails:
        typed |= Q(username__iexact=email)
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        _delete(model.objects.filter(typed), report)
