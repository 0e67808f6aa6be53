"""Row-level security on every tenant table (PostgreSQL; SQLite keeps the application's walls).

Each table with a practice column admits only the rows of the practice named in `app.practice_id`,
and the couples' counsellor links through their couple. Memberships are also readable by their own
user (`app.user_id`), so sign-in can list a person's practices before one is chosen. A link's
token, and a membership id in the operator's admin, reach their practice through narrow functions
that run as the owner and return only the practice id.
"""

from django.db import migrations

from practice.rls_sql import (
    CURRENT_USER_ID,
    child_table,
    on_postgresql,
    tenant_table,
    unprotect,
)

TENANT_TABLES = [
    "practice_membership",
    "clients_client",
    "clients_couple",
    "clients_invitation",
    "assessments_assignment",
    "assessments_response",
    "assessments_comparison",
    "assessments_comparisonhistory",
    "assessments_rescorerun",
    "assessments_rescorebatch",
    "assessments_sessionagenda",
    "assessments_agendaitem",
    "assessments_reportfigures",
]

OWN_MEMBERSHIPS = f"""
DROP POLICY IF EXISTS own_memberships ON practice_membership;
CREATE POLICY own_memberships ON practice_membership FOR SELECT
    USING (user_id = {CURRENT_USER_ID});
"""

# The owner reads invitations across practices only inside this function (the flag is set by the
# function itself and the policy admits no other role), and hands back the practice id alone.
INVITATION_PRACTICE = """
DROP POLICY IF EXISTS token_lookup ON clients_invitation;
CREATE POLICY token_lookup ON clients_invitation FOR SELECT TO CURRENT_USER
    USING (current_setting('app.token_lookup', true) = 'on');
CREATE OR REPLACE FUNCTION fulcrum_invitation_practice(p_token_hash text) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    SET app.token_lookup = 'on'
    AS $$ SELECT practice_id FROM clients_invitation WHERE token_hash = p_token_hash $$;
REVOKE ALL ON FUNCTION fulcrum_invitation_practice(text) FROM PUBLIC;
"""

# The operator's admin opens a membership by its id before it knows the practice: the same kind of
# narrow function answers which practice, and nothing else.
MEMBERSHIP_PRACTICE = """
DROP POLICY IF EXISTS membership_lookup ON practice_membership;
CREATE POLICY membership_lookup ON practice_membership FOR SELECT TO CURRENT_USER
    USING (current_setting('app.membership_lookup', true) = 'on');
CREATE OR REPLACE FUNCTION fulcrum_membership_practice(p_membership_id bigint) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    SET app.membership_lookup = 'on'
    AS $$ SELECT practice_id FROM practice_membership WHERE id = p_membership_id $$;
REVOKE ALL ON FUNCTION fulcrum_membership_practice(bigint) FROM PUBLIC;
"""

# Only a table's owner may refresh its planner statistics; the scale seeder (benchmarks) asks for
# it after each chunk through this function, which takes no input and reads no rows.
ANALYZE = """
CREATE OR REPLACE FUNCTION fulcrum_analyze_seeded_tables() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$ BEGIN
        ANALYZE practice_user, practice_membership, clients_client, clients_couple,
            clients_couple_counsellors, assessments_assignment, clients_invitation,
            assessments_response, assessments_comparison;
    END $$;
REVOKE ALL ON FUNCTION fulcrum_analyze_seeded_tables() FROM PUBLIC;
"""

DROP_MEMBERSHIP_PRACTICE = """
DROP FUNCTION IF EXISTS fulcrum_membership_practice(bigint);
DROP POLICY IF EXISTS membership_lookup ON practice_membership;
"""

DROP_INVITATION_PRACTICE = """
DROP FUNCTION IF EXISTS fulcrum_invitation_practice(text);
DROP POLICY IF EXISTS token_lookup ON clients_invitation;
"""

FORWARD = "\n".join(
    [
        *(tenant_table(table) for table in TENANT_TABLES),
        tenant_table("practice_auditevent", nullable=True),
        child_table("clients_couple_counsellors", "couple_id", "clients_couple"),
        OWN_MEMBERSHIPS,
        INVITATION_PRACTICE,
        MEMBERSHIP_PRACTICE,
        ANALYZE,
    ]
)

BACKWARD = "\n".join(
    [
        DROP_INVITATION_PRACTICE,
        DROP_MEMBERSHIP_PRACTICE,
        "DROP FUNCTION IF EXISTS fulcrum_analyze_seeded_tables();",
        "DROP POLICY IF EXISTS own_memberships ON practice_membership;",
        *(
            unprotect(table)
            for table in [*TENANT_TABLES, "practice_auditevent", "clients_couple_counsellors"]
        ),
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0005_support_line"),
        ("clients", "0001_initial"),
        ("assessments", "0008_dashboard_rollups"),
    ]

    operations = [migrations.RunPython(*on_postgresql(FORWARD, BACKWARD))]
