"""Three flags the practice dashboard reads instead of scanning every assignment and comparison
ever made, kept by database triggers so every write path (the comparison job, re-scoring,
reopening answers, deletions and their cascades, bulk inserts) keeps them right in its own
transaction, and backfilled here:

- `Assignment.settled`: the assignment has a done comparison and no draft answers;
- `Assignment.closed`: a submission from each partner and no draft answers (no longer open);
- `Comparison.latest_of_couple`: the couple's most recent done comparison (latest `finished_at`,
  then highest id), exactly as the dashboard's NOT EXISTS query chose it.

PostgreSQL runs one set-based statement-level trigger per write statement (a re-scoring batch is
one statement), except for a response's submission, a row trigger that autosaves never fire;
SQLite, for development, the same statements row by row.
"""

from django.db import migrations, models


def _settled(where: str) -> str:
    settled = """(
            EXISTS (SELECT 1 FROM assessments_comparison c
                    WHERE c.assignment_id = assessments_assignment.id AND c.status = 'done')
            AND NOT EXISTS (SELECT 1 FROM assessments_response r
                            WHERE r.assignment_id = assessments_assignment.id
                              AND r.submitted_at IS NULL))"""
    closed = """(
            EXISTS (SELECT 1 FROM assessments_response r
                    WHERE r.assignment_id = assessments_assignment.id
                      AND r.partner = 'a' AND r.submitted_at IS NOT NULL)
            AND EXISTS (SELECT 1 FROM assessments_response r
                        WHERE r.assignment_id = assessments_assignment.id
                          AND r.partner = 'b' AND r.submitted_at IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM assessments_response r
                            WHERE r.assignment_id = assessments_assignment.id
                              AND r.submitted_at IS NULL))"""
    # Every statement here is built from this file's constants and column names, never input.
    return f"""
        UPDATE assessments_assignment SET settled = {settled}, closed = {closed}
        WHERE {where} AND (settled <> {settled} OR closed <> {closed})"""  # noqa: S608


def _latest(couples: str) -> str:
    return f"""
        UPDATE assessments_comparison SET latest_of_couple = NOT latest_of_couple
        WHERE assignment_id IN (SELECT id FROM assessments_assignment WHERE {couples})
          AND latest_of_couple <> (status = 'done' AND NOT EXISTS (
            SELECT 1 FROM assessments_comparison n
            JOIN assessments_assignment na ON na.id = n.assignment_id
            JOIN assessments_assignment me ON me.id = assessments_comparison.assignment_id
            WHERE na.couple_id = me.couple_id AND n.status = 'done'
              AND (n.finished_at > assessments_comparison.finished_at
                   OR (n.finished_at = assessments_comparison.finished_at
                       AND n.id > assessments_comparison.id))))"""  # noqa: S608


_PG_CHANGED = """
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids bigint[];
BEGIN
    -- The flags' own updates fire the triggers again; there is nothing more to do then.
    IF pg_trigger_depth() > 1 THEN RETURN NULL; END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT assignment_id) INTO ids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT assignment_id) INTO ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT n.assignment_id) INTO ids
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE {changed};
    END IF;
    IF ids IS NULL THEN RETURN NULL; END IF;
    {body};
    RETURN NULL;
END $$;
"""

# A response's submission is one row at a time; a row trigger that fires only when
# `submitted_at` changes leaves autosaves (answers only) without any trigger work.
_PG_SUBMITTED = """
CREATE OR REPLACE FUNCTION assessments_response_submitted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {body};
    RETURN NULL;
END $$;
"""

_PG_IDS = "id = ANY(ids)"
_PG_COUPLES = "couple_id IN (SELECT couple_id FROM assessments_assignment WHERE id = ANY(ids))"
_TABLES = {
    # table: (function, columns whose change matters, statements to run)
    "assessments_comparison": (
        "assessments_comparisons_changed",
        "n.status IS DISTINCT FROM o.status OR n.finished_at IS DISTINCT FROM o.finished_at",
        ["status", "finished_at"],
    ),
    "assessments_response": (
        "assessments_responses_changed",
        "n.submitted_at IS DISTINCT FROM o.submitted_at",
        ["submitted_at"],
    ),
}


def _pg_body(table: str) -> str:
    if table == "assessments_comparison":
        return f"{_settled(_PG_IDS)};\n{_latest(_PG_COUPLES)}"
    return _settled(_PG_IDS)


def _sqlite_body(table: str, row: str) -> str:
    settled = _settled(f"id = {row}.assignment_id")
    if table == "assessments_comparison":
        couple = f"couple_id = (SELECT couple_id FROM assessments_assignment WHERE id = {row}.assignment_id)"  # noqa: S608
        return f"{settled};\n{_latest(couple)};"
    return f"{settled};"


def install(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table, (function, changed, _) in _TABLES.items():
            run(_PG_CHANGED.format(name=function, changed=changed, body=_pg_body(table)))
            for event, referencing in (
                ("INSERT", "NEW TABLE AS new_rows"),
                ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                ("DELETE", "OLD TABLE AS old_rows"),
            ):
                if table == "assessments_response" and event == "UPDATE":
                    continue
                run(
                    f"CREATE TRIGGER {table}_rollups_{event.lower()} AFTER {event} ON {table} "
                    f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                )
        run(_PG_SUBMITTED.format(body=_settled("id = NEW.assignment_id")))
        run(
            "CREATE TRIGGER assessments_response_rollups_update"
            " AFTER UPDATE OF submitted_at ON assessments_response FOR EACH ROW"
            " WHEN (OLD.submitted_at IS DISTINCT FROM NEW.submitted_at)"
            " EXECUTE FUNCTION assessments_response_submitted()"
        )
    else:
        for table, (_, _, columns) in _TABLES.items():
            for event, row in (
                ("INSERT", "NEW"),
                (f"UPDATE OF {', '.join(columns)}", "NEW"),
                ("DELETE", "OLD"),
            ):
                name = f"{table}_rollups_{event.split()[0].lower()}"
                run(
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                    f"BEGIN {_sqlite_body(table, row)} END"
                )
    # Backfill: every row once, with the same statements.
    run(_settled("1 = 1"))
    run(_latest("1 = 1"))


def uninstall(apps, schema_editor):
    run = schema_editor.execute
    for table, (function, _, _) in _TABLES.items():
        for event in ("insert", "update", "delete"):
            if schema_editor.connection.vendor == "postgresql":
                run(f"DROP TRIGGER IF EXISTS {table}_rollups_{event} ON {table}")
            else:
                run(f"DROP TRIGGER IF EXISTS {table}_rollups_{event}")
        if schema_editor.connection.vendor == "postgresql":
            run(f"DROP FUNCTION IF EXISTS {function}()")
    if schema_editor.connection.vendor == "postgresql":
        run("DROP FUNCTION IF EXISTS assessments_response_submitted()")


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0007_report_figures"),
        ("clients", "0001_initial"),
        ("practice", "0005_support_line"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="settled",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="assignment",
            name="closed",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="comparison",
            name="latest_of_couple",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(
                fields=["practice", "settled"], name="assessments_practic_df5cb8_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="comparison",
            index=models.Index(
                fields=["practice", "status", "finished_at"],
                include=["overall_index"],
                name="comparison_finished",
            ),
        ),
        migrations.AddIndex(
            model_name="comparison",
            index=models.Index(
                condition=models.Q(("latest_of_couple", True)),
                fields=["practice"],
                name="comparison_latest_of_couple",
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
