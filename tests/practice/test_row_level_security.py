"""The database wall (PostgreSQL only: SQLite keeps the application's two walls, and this module
defines no test there).

The catalogue test finds the tenant tables the way a reviewer would (a key to the practices
table, or to a table that has one) and fails for any without a forced policy, so a new table
cannot slip through. The raw SQL tests run as the application's own role with practice 1 named,
and must neither read nor write a row of practice 2 in any tenant table.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django_scopes import scope, scopes_disabled

from assessments.assignments.services import NewAssignment
from assessments.models import (
    AgendaItem,
    ComparisonHistory,
    ReportFigures,
    RescoreBatch,
    RescoreRun,
    SessionAgenda,
    SharedSummary,
    SummaryLink,
)
from clients import services as client_services
from clients.models import Couple, Invitation
from clients.selectors import invitation_by_token
from practice.models import AuditEvent, Membership, Practice
from practice.rls import acting_user
from practice.tenancy import memberships_of
from tests.factories import ClientFactory, CoupleFactory, MembershipFactory, PracticeFactory
from tests.support.comparing import a_holds_the_say, assign, compared

pytestmark = pytest.mark.django_db

# Tables every practice reaches: the root itself and the global ones are not tenant tables.
TENANT_ROOT = "practice_practice"

TENANT_TABLES_SQL = """
WITH RECURSIVE tenant(relid) AS (
    SELECT c.conrelid FROM pg_constraint c
    WHERE c.contype = 'f' AND c.confrelid = 'practice_practice'::regclass
  UNION
    SELECT c.conrelid FROM pg_constraint c JOIN tenant t ON c.confrelid = t.relid
    WHERE c.contype = 'f'
)
SELECT cls.relname, cls.relrowsecurity, cls.relforcerowsecurity,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = cls.oid) AS policies
FROM tenant JOIN pg_class cls ON cls.oid = tenant.relid
WHERE cls.relname <> 'practice_practice'
ORDER BY cls.relname
"""

# Tables that hang from a tenant table only through a person (a user's own rows), not through a
# practice: none today. A table listed here needs a comment saying why it needs no policy.
NOT_TENANT: set[str] = set()


def tenant_tables() -> list[tuple[str, bool, bool, int]]:
    with connection.cursor() as cursor:
        cursor.execute(TENANT_TABLES_SQL)
        return [row for row in cursor.fetchall() if row[0] not in NOT_TENANT]


def with_practice_column() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'practice_id' ORDER BY table_name"
        )
        return [row[0] for row in cursor.fetchall()]


def build(practice: Practice) -> dict[str, Any]:
    """One practice with a row in every tenant table."""
    member = MembershipFactory.create(practice=practice)
    couple = CoupleFactory.create(
        practice=practice,
        partner_a=ClientFactory.create(practice=practice),
        partner_b=ClientFactory.create(practice=practice),
        counsellors=[member],
    )
    new = assign(couple, "balance-of-power-inventory", member)
    comparison = compared(new, a_holds_the_say, a_holds_the_say)
    with scope(practice=practice):
        ComparisonHistory.objects.create(
            practice=practice,
            comparison=comparison,
            algorithm_version="0",
            params_hash="x" * 64,
            result={},
            computed_at=comparison.created_at,
        )
        run = RescoreRun.objects.create(practice=practice)
        RescoreBatch.objects.create(practice=practice, run=run, comparison_ids=[comparison.pk])
        agenda = SessionAgenda.objects.create(
            practice=practice, assignment=new.assignment, comparison=comparison, created_by=member
        )
        AgendaItem.objects.create(practice=practice, agenda=agenda, title="Item", position=1)
        ReportFigures.objects.create(
            practice=practice, comparison=comparison, kind="charts", fingerprint="f"
        )
        AuditEvent.objects.create(practice=practice, action=AuditEvent.Action.VIEW)
        summary = SharedSummary.objects.create(
            practice=practice, assignment=new.assignment, comparison=comparison
        )
        SummaryLink.objects.create(
            practice=practice,
            summary=summary,
            partner="a",
            client=couple.partner_a,
            token_hash=f"{practice.pk:064d}",
            expires_at=comparison.created_at,
        )
    return {"member": member, "couple": couple, "assignment": new.assignment}


if settings.DATABASE_BACKEND == "postgresql":

    def test_every_tenant_table_has_row_level_security_enabled_forced_and_a_policy() -> None:
        tables = tenant_tables()
        names = {name for name, *_ in tables}
        # The catalogue walk finds what the models say: every table with a practice column.
        assert set(with_practice_column()) <= names
        assert {"clients_couple_counsellors", "assessments_agendaitem"} <= names
        unprotected = [
            name
            for name, enabled, forced, policies in tables
            if not (enabled and forced and policies)
        ]
        assert unprotected == []

    def test_the_application_connects_as_a_role_that_owns_nothing_and_cannot_bypass() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles "
                "WHERE rolname = current_user"
            )
            assert cursor.fetchone() == (False, False, False, False)
            cursor.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user"
            )
            assert cursor.fetchone() == (0,)

    def test_raw_sql_with_practice_1_set_reads_and_writes_no_row_of_practice_2(
        library: None,
    ) -> None:
        one, two = PracticeFactory.create(), PracticeFactory.create()
        build(one)
        theirs = build(two)
        tables = [name for name, *_ in tenant_tables()]
        with connection.cursor() as cursor:
            # What practice 2 holds, seen from inside practice 2: a row in every tenant table.
            owned: dict[str, list[int]] = {}
            with scope(practice=two):
                for table in tables:
                    cursor.execute(f"SELECT id FROM {table}")  # noqa: S608 - catalogue names
                    owned[table] = [row[0] for row in cursor.fetchall()]
            assert [table for table, ids in owned.items() if not ids] == []

            # Raw SQL with practice 1 named (the scope sends `app.practice_id` before each
            # statement): no row of practice 2 can be read, changed or deleted.
            with scope(practice=one):
                cursor.execute("SELECT current_setting('app.practice_id')")
                assert cursor.fetchone() == (str(one.pk),)
                for table, ids in owned.items():
                    cursor.execute(f"SELECT count(*) FROM {table} WHERE id = ANY(%s)", [ids])  # noqa: S608
                    assert cursor.fetchone() == (0,), table
                    cursor.execute(f"UPDATE {table} SET id = id WHERE id = ANY(%s)", [ids])  # noqa: S608
                    assert cursor.rowcount == 0, table
                    if table != "practice_auditevent":  # its trigger refuses deletes anyway
                        cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [ids])  # noqa: S608
                        assert cursor.rowcount == 0, table
                # Moving a row of practice 1 into practice 2, or writing one there, is refused.
                for table in with_practice_column():
                    if table == "practice_auditevent":
                        continue  # append-only: its trigger refuses every change first
                    with (
                        pytest.raises(DatabaseError, match="row-level security"),
                        transaction.atomic(),
                    ):
                        cursor.execute(
                            f"UPDATE {table} SET practice_id = %s WHERE practice_id = %s",  # noqa: S608
                            [two.pk, one.pk],
                        )
                for statement, params in (
                    (
                        "INSERT INTO clients_client (public_id, practice_id, display_name, email,"
                        " pronouns, created_at) VALUES (gen_random_uuid(), %s, 'x', '', '', now())",
                        [two.pk],
                    ),
                    (
                        "INSERT INTO practice_auditevent (practice_id, actor_label, action,"
                        " object_type, object_id, detail, request_id, created_at)"
                        " VALUES (%s, '', 'view', '', '', '', '', now())",
                        [two.pk],
                    ),
                    (
                        # A counsellor link to practice 2's couple: the policy follows the couple.
                        "INSERT INTO clients_couple_counsellors (couple_id, membership_id)"
                        " VALUES (%s, %s)",
                        [theirs["couple"].pk, theirs["member"].pk],
                    ),
                ):
                    with (
                        pytest.raises(DatabaseError, match="row-level security"),
                        transaction.atomic(),
                    ):
                        cursor.execute(statement, params)

            # With no practice named, no tenant row at all (rows of no practice aside: a
            # sign-in's audit event).
            with scope(practice=None):
                for table in tables:
                    cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
                    assert cursor.fetchone() == (0,), table

    def test_queries_outside_any_scope_see_no_tenant_rows_even_with_scopes_disabled(
        couple: Couple, other_couple: Couple
    ) -> None:
        with scopes_disabled():
            assert Couple.objects.count() == 0
            assert Membership.objects.count() == 0
        with scope(practice=couple.practice), scopes_disabled():
            assert list(Couple.objects.all()) == [couple]

    def test_a_person_sees_their_own_memberships_in_every_practice_before_choosing_one(
        counsellor_membership: Membership, other_practice: Practice
    ) -> None:
        user = counsellor_membership.user
        elsewhere = MembershipFactory.create(practice=other_practice, user=user)
        stranger = MembershipFactory.create(practice=other_practice)
        assert {m.pk for m in memberships_of(user)} == {counsellor_membership.pk, elsewhere.pk}
        with scopes_disabled(), acting_user(user.pk):
            # Only the person's own rows: not a colleague's in either practice.
            assert stranger.pk not in set(Membership.objects.values_list("pk", flat=True))
            # Reading is all: an own membership cannot be changed without its practice.
            assert Membership.objects.filter(pk=elsewhere.pk).update(is_admin=True) == 0

    def test_a_link_token_finds_its_invitation_with_no_practice_named(
        assignment: NewAssignment,
    ) -> None:
        with scope(practice=assignment.assignment.practice):
            invitation = Invitation.objects.filter(assignment=assignment.assignment).first()
            assert invitation is not None
            token = client_services.invitation_mint_and_mark_sent(invitation=invitation)
        found = invitation_by_token(token=token)
        assert found is not None
        assert found.assignment_id == assignment.assignment.pk
        # The narrow function answers a practice id, never rows; an unknown token finds none.
        assert invitation_by_token(token=token + "x") is None

    def test_the_practice_of_one_request_does_not_reach_the_next_on_the_same_connection(
        as_counsellor: Any, practice: Practice, couple: Couple
    ) -> None:
        assert as_counsellor.get(f"/p/{practice.slug}/").status_code == 200
        # The same (persistent) connection, no practice named: nothing of the last request's.
        with scopes_disabled():
            assert Couple.objects.count() == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('app.practice_id', true)")
            assert cursor.fetchone() == ("",)

    def test_a_rolled_back_setting_is_sent_again_so_no_other_practice_shows_through(
        couple: Couple, other_couple: Couple
    ) -> None:
        with scope(practice=couple.practice):
            assert Couple.objects.count() == 1  # the connection now holds practice 1
            with (
                pytest.raises(DatabaseError),
                transaction.atomic(),
                scope(practice=other_couple.practice),
                connection.cursor() as cursor,
            ):
                cursor.execute("SELECT 1 / 0")  # practice 2 was sent first, then rolled back
        # The database holds practice 1 again: practice 2's statement must send it anew, or it
        # would read practice 1's rows.
        with scope(practice=other_couple.practice):
            assert list(Couple.objects.all()) == [other_couple]
