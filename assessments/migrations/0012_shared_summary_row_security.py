"""Row-level security for the shared summary's tables (PostgreSQL), as for every tenant table, and
the narrow function that finds the practice of a summary link's token (the token says nothing of
its practice; the function runs as the owner and returns the practice id alone)."""

from django.db import migrations

from practice.rls_sql import on_postgresql, tenant_table, unprotect

TABLES = ["assessments_sharedsummary", "assessments_summarylink"]

LINK_PRACTICE = """
DROP POLICY IF EXISTS token_lookup ON assessments_summarylink;
CREATE POLICY token_lookup ON assessments_summarylink FOR SELECT TO CURRENT_USER
    USING (current_setting('app.token_lookup', true) = 'on');
CREATE OR REPLACE FUNCTION fulcrum_summary_link_practice(p_token_hash text) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    SET app.token_lookup = 'on'
    AS $$ SELECT practice_id FROM assessments_summarylink WHERE token_hash = p_token_hash $$;
REVOKE ALL ON FUNCTION fulcrum_summary_link_practice(text) FROM PUBLIC;
"""

FORWARD = "\n".join([*(tenant_table(table) for table in TABLES), LINK_PRACTICE])
BACKWARD = "\n".join(
    [
        "DROP FUNCTION IF EXISTS fulcrum_summary_link_practice(text);",
        "DROP POLICY IF EXISTS token_lookup ON assessments_summarylink;",
        *(unprotect(table) for table in TABLES),
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0011_shared_summary"),
        ("practice", "0006_row_level_security"),
    ]

    operations = [migrations.RunPython(*on_postgresql(FORWARD, BACKWARD))]
