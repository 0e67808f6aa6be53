"""Offboarding a practice deletes every row that belongs to it, in every table, and nothing
else; the audit trail goes too, which on PostgreSQL only an offboarding transaction may do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Q
from django.test import Client as WebClient
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope, scopes_disabled

from assessments.assignments.services import response_reopen
from assessments.models import ComparisonHistory, Response
from assessments.reports import agenda as agendas
from clients.models import Couple, Invitation
from clients.privacy.offboarding import practice_offboard
from practice import audit
from practice.models import ApiToken, AuditEvent, Membership, Practice, User
from tests.factories import CoupleFactory, MembershipFactory, PracticeFactory, UserFactory
from tests.support.comparing import a_holds_the_say, assign, b_agrees_a_holds_the_say, compared

# Tables a fully used practice fills; each must hold rows of both practices before offboarding,
# or the test would prove nothing about it.
POPULATED = {
    "practice.Practice",
    "practice.User",
    "practice.Membership",
    "practice.AuditEvent",
    "practice.ApiToken",
    "clients.Client",
    "clients.Couple",
    "clients.Couple_counsellors",
    "clients.Invitation",
    "assessments.Assignment",
    "assessments.Response",
    "assessments.Comparison",
    "assessments.ComparisonHistory",
    "assessments.SessionAgenda",
    "assessments.AgendaItem",
    "admin.LogEntry",
    "sessions.Session",
    "otp_totp.TOTPDevice",
    "otp_static.StaticDevice",
    "otp_static.StaticToken",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
}


@dataclass
class Tenant:
    practice: Practice
    counsellor: Membership
    couple: Couple
    # Staff who belong to this practice alone: their accounts go with it. Kept here, with
    # their emails and the practice's memberships, because the census runs after they are gone.
    own_user_ids: set[int] = field(default_factory=set)
    own_emails: set[str] = field(default_factory=set)
    membership_ids: set[int] = field(default_factory=set)


def _session(data: dict[str, Any]) -> None:
    store = SessionStore()
    store.update(data)
    store.create()


def build(practice: Practice, tag: str, operator: User, shared: User) -> Tenant:
    """A practice with one of everything, as a season of real use leaves it."""
    admin = MembershipFactory.create(practice=practice, is_admin=True, is_counsellor=False)
    counsellor = MembershipFactory.create(practice=practice, user__full_name=f"{tag} Counsellor")
    MembershipFactory.create(practice=practice, user=shared)
    couple = CoupleFactory.create(
        practice=practice,
        partner_a__display_name=f"{tag}-A",
        partner_b__display_name=f"{tag}-B",
        counsellors=[counsellor, admin],
    )
    new = assign(couple, "balance-of-power-inventory", counsellor)
    comparison = compared(new, a=a_holds_the_say, b=b_agrees_a_holds_the_say)
    with scope(practice=practice):
        result = comparison.as_result()
        assert result is not None
        agenda = agendas.agenda_for_assignment(assignment=new.assignment, created_by=counsellor)
        agendas.agenda_add_topics(
            agenda=agenda, comparison=comparison, topic_slugs=[result.topics[0].slug]
        )
        agendas.agenda_add_own_item(agenda=agenda, title="Own point", note=f"{tag} note")
        ComparisonHistory.objects.create(
            practice=practice,
            comparison=comparison,
            algorithm_version="0.9",
            params_hash="old",
            result=comparison.result,
            computed_at=timezone.now(),
        )
        response_reopen(
            response=Response.objects.get(assignment=new.assignment, partner="a"),
            by=counsellor,
            reason="to correct an answer",
        )
        # A second, unanswered assignment: invitations without responses.
        assign(couple, "signs-of-imbalance", counsellor)
        audit.record(None, AuditEvent.Action.VIEW, practice=practice, obj=couple, actor=admin.user)
        invitation = Invitation.objects.filter(assignment=new.assignment).first()
        assert invitation is not None
    for user in (admin.user, counsellor.user):
        audit.record(None, AuditEvent.Action.LOGIN, practice=None, actor=user)
        ApiToken.objects.create(
            user=user, name="script", key_prefix="abcd", key_hash=f"{tag}-{user.pk}"
        )
        TOTPDevice.objects.create(user=user, name="phone")
        StaticDevice.objects.create(user=user, name="backup").token_set.create(token=f"{tag}1")
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            extra: dict[str, Any] = {"ip_address": "192.0.2.1", "user_agent": "test"}
            if model is AccessAttempt:
                extra.update(get_data="", post_data="", failures_since_start=1)
            # The username as typed at sign-in, in whatever case.
            model.objects.create(
                username=user.email.upper(), http_accept="*/*", path_info="/login/", **extra
            )
        WebClient().force_login(user)
    _session({"respondent": {"invitation": invitation.pk, "practice": practice.pk}})
    # The operator's own work on the practice in the Django admin.
    records = ((Practice, practice.pk), (Membership, counsellor.pk), (User, counsellor.user_id))
    for model, object_id in records:
        LogEntry.objects.create(
            user=operator,
            content_type=ContentType.objects.get_for_model(model),
            object_id=str(object_id),
            object_repr=f"{tag} record",
            action_flag=CHANGE,
            change_message="[]",
        )
    MembershipFactory.create(practice=practice, user=operator, is_admin=True)
    with scope(practice=practice):
        membership_ids = set(Membership.objects.values_list("pk", flat=True))
    return Tenant(
        practice,
        counsellor,
        couple,
        own_user_ids={admin.user_id, counsellor.user_id},
        own_emails={admin.user.email, counsellor.user.email},
        membership_ids=membership_ids,
    )


@pytest.fixture
def operator(db: None) -> User:
    return UserFactory.create(is_staff=True, full_name="Platform Operator")


@pytest.fixture
def shared(db: None) -> User:
    """A counsellor who works for both practices: keeps their account."""
    return UserFactory.create(full_name="Shared Counsellor")


@pytest.fixture
def tenants(library: None, operator: User, shared: User) -> tuple[Tenant, Tenant]:
    first = build(PracticeFactory.create(slug="first", name="First"), "One", operator, shared)
    second = build(PracticeFactory.create(slug="second", name="Second"), "Two", operator, shared)
    return first, second


def _belongs(model: type[models.Model], tenant: Tenant, depth: int = 0) -> Q | None:
    """Rows of `model` that point, through any chain of foreign keys, at the practice or at one
    of its own staff; None when nothing in the model can."""
    if model is Practice:
        return Q(pk=tenant.practice.pk)
    if model is User:
        return Q(pk__in=tenant.own_user_ids)
    conditions: list[Q] = []
    for fk in model._meta.concrete_fields:
        if not fk.is_relation or fk.related_model is None:
            continue
        target = fk.related_model
        if target is Practice:
            conditions.append(Q(**{fk.name: tenant.practice.pk}))
        elif target is User:
            conditions.append(Q(**{f"{fk.name}__in": tenant.own_user_ids}))
        elif depth < 3:
            inner = _belongs(target, tenant, depth + 1)
            if inner is not None:
                conditions.append(Q(**{f"{fk.name}__in": target._base_manager.filter(inner)}))
    if model is LogEntry:
        for kind, ids in (
            (Practice, {tenant.practice.pk}),
            (User, tenant.own_user_ids),
            (Membership, tenant.membership_ids),
        ):
            conditions.append(
                Q(
                    content_type=ContentType.objects.get_for_model(kind),
                    object_id__in=[str(pk) for pk in ids],
                )
            )
    if model in (AccessAttempt, AccessLog, AccessFailureLog):
        conditions.extend(Q(username__iexact=email) for email in tenant.own_emails)
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def _session_belongs(data: dict[str, Any], tenant: Tenant) -> bool:
    bound = data.get("respondent")
    if isinstance(bound, dict) and bound.get("practice") == tenant.practice.pk:
        return True
    return data.get("_auth_user_id") in {str(pk) for pk in tenant.own_user_ids}


def census(tenant: Tenant) -> dict[str, tuple[int, int]]:
    """Per model (every model Django knows, M2M tables included): (rows of the tenant, all
    rows)."""
    counts: dict[str, tuple[int, int]] = {}
    # On PostgreSQL the database shows one practice's rows at a time: the tenant's own rows are
    # counted inside its scope (by id, so rows left behind by a deleted practice still count), and
    # all rows as the union of what each practice, and no practice, can see.
    practice_ids = {None, tenant.practice.pk, *Practice.objects.values_list("pk", flat=True)}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        if model is Session:
            decoded = [session.get_decoded() for session in Session.objects.all()]
            owned = sum(_session_belongs(data, tenant) for data in decoded)
            counts[label] = (owned, len(decoded))
            continue
        with scope(practice=tenant.practice.pk), scopes_disabled():
            condition = _belongs(model, tenant)
            rows = model._base_manager.all()
            owned = rows.filter(condition).distinct().count() if condition is not None else 0
        every: set[Any] = set()
        for practice_id in practice_ids:
            with scope(practice=practice_id), scopes_disabled():
                every.update(model._base_manager.values_list("pk", flat=True))
        counts[label] = (owned, len(every))
    return counts


@pytest.mark.django_db
def test_offboarding_deletes_every_row_of_the_practice_in_every_table_and_nothing_else(
    tenants: tuple[Tenant, Tenant], operator: User, shared: User
) -> None:
    first, second = tenants
    before_first, before_second = census(first), census(second)
    for label in POPULATED:
        assert before_first[label][0] > 0, f"the first practice has no {label} rows"
        assert before_second[label][0] > 0, f"the second practice has no {label} rows"

    report = practice_offboard(practice=first.practice)

    after_first, after_second = census(first), census(second)
    for label, (owned, total) in after_first.items():
        assert owned == 0, f"{owned} {label} rows of the offboarded practice are left"
        # Everything that was not the first practice's is still there, row for row.
        assert total == before_first[label][1] - before_first[label][0], label
        assert after_second[label][0] == before_second[label][0], label
    assert report["practice.Practice"] == 1
    assert report["practice.AuditEvent"] == before_first["practice.AuditEvent"][0]
    assert User.objects.filter(pk__in=[operator.pk, shared.pk]).count() == 2


@pytest.mark.django_db
def test_offboarding_strips_the_practices_once_shown_links_from_other_staff_sessions(
    tenants: tuple[Tenant, Tenant], shared: User
) -> None:
    first, second = tenants
    web = WebClient()
    web.force_login(shared)
    session = SessionStore(session_key=web.session.session_key)
    session[f"once-links:{first.couple.public_id}"] = [["One-A", "http://x/i/t"]]
    session[f"once-links:{second.couple.public_id}"] = [["Two-A", "http://x/i/u"]]
    session.save()

    practice_offboard(practice=first.practice)

    kept = SessionStore(session_key=session.session_key).load()
    assert f"once-links:{first.couple.public_id}" not in kept
    assert f"once-links:{second.couple.public_id}" in kept
    assert kept["_auth_user_id"] == str(shared.pk)


@pytest.mark.django_db
def test_the_command_refuses_without_yes_and_explains_what_it_would_delete(
    tenants: tuple[Tenant, Tenant],
) -> None:
    with pytest.raises(CommandError, match=r"--yes") as refused:
        call_command("offboard_practice", "first")

    assert "Nothing has been deleted" in str(refused.value)
    assert "1 couples" in str(refused.value)
    assert Practice.objects.filter(slug="first").exists()


@pytest.mark.django_db
def test_the_command_with_yes_offboards_the_practice(
    tenants: tuple[Tenant, Tenant], capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tenants

    call_command("offboard_practice", "first", "--yes")

    assert "Deleted the practice 'First'" in capsys.readouterr().out
    assert not Practice.objects.filter(pk=first.practice.pk).exists()
    assert Practice.objects.filter(pk=second.practice.pk).exists()
    with scope(practice=second.practice):
        assert Couple.objects.count() == 1


@pytest.mark.django_db
def test_the_command_names_an_unknown_practice() -> None:
    with pytest.raises(CommandError, match="no practice with the slug 'nowhere'"):
        call_command("offboard_practice", "nowhere", "--yes")


@pytest.mark.django_db(transaction=True)
def test_offboarding_removes_the_audit_trail_and_the_database_still_guards_the_rest(
    tenants: tuple[Tenant, Tenant],
) -> None:
    first, second = tenants

    practice_offboard(practice=first.practice)

    with scope(practice=first.practice.pk), scopes_disabled():
        assert not AuditEvent.objects.filter(practice=first.practice.pk).exists()
    with scope(practice=second.practice), scopes_disabled():
        if connection.vendor == "postgresql":
            # Only PostgreSQL refuses deletes at the database level (see migration 0003).
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                AuditEvent.objects.filter(practice=second.practice).delete()
        assert AuditEvent.objects.filter(practice=second.practice).exists()
