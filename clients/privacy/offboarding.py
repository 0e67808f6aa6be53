"""Offboarding a practice: every row of the practice goes, its audit trail included, and the
accounts of staff who belong to no other practice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Q, QuerySet
from django_scopes import scopes_disabled

from assessments.models import (
    AgendaItem,
    Assignment,
    Comparison,
    ComparisonHistory,
    Response,
    SessionAgenda,
)
from clients.models import Client, Couple, Invitation
from clients.privacy.sessions import ONCE_LINKS_PREFIX, RESPONDENT_SESSION_KEY, scrub_sessions
from practice.models import ApiToken, AuditEvent, Membership, Practice, User
from practice.tenancy import practice_ids, practice_scope


def _departing_users(practice: Practice) -> QuerySet[User]:
    """Staff of this practice with no membership anywhere else (inactive ones count: they may be
    reactivated). Platform operators keep their accounts. The database shows one practice's
    memberships at a time, so each other practice is asked in turn, inside its own scope."""
    members = set(Membership.objects.filter(practice=practice).values_list("user_id", flat=True))
    elsewhere: set[int] = set()
    for practice_id in practice_ids():
        if practice_id == practice.pk or not members:
            continue
        with practice_scope(practice_id), scopes_disabled():
            elsewhere.update(
                Membership.objects.filter(practice_id=practice_id, user_id__in=members).values_list(
                    "user_id", flat=True
                )
            )
    return (
        User.objects.filter(pk__in=members - elsewhere)
        .exclude(is_staff=True)
        .exclude(is_superuser=True)
    )


def practice_rows(practice: Practice) -> dict[str, int]:
    """How many rows offboarding would delete, by kind (for the command's confirmation)."""
    # The operator acts on the whole practice from outside any request: it names the practice.
    with practice_scope(practice), scopes_disabled():
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
    # the practice or rows reached through it, and the database admits this practice's alone.
    with practice_scope(practice), scopes_disabled():
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

    scrub_sessions(drop=of_the_practice, strip=couple_keys.__contains__)
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
