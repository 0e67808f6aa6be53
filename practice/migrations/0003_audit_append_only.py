from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION practice_auditevent_append_only() RETURNS trigger AS $$
BEGIN
  -- Offboarding a practice removes its whole trail, inside a transaction that says so.
  IF TG_OP = 'DELETE' AND current_setting('fulcrum.allow_audit_delete', true) = 'on' THEN
    RETURN OLD;
  END IF;
  -- Deleting a staff account only forgets who the actor was.
  IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL AND
     ROW(NEW.id, NEW.practice_id, NEW.actor_label, NEW.action, NEW.object_type, NEW.object_id,
         NEW.detail, NEW.ip_address, NEW.request_id, NEW.created_at)
     IS NOT DISTINCT FROM
     ROW(OLD.id, OLD.practice_id, OLD.actor_label, OLD.action, OLD.object_type, OLD.object_id,
         OLD.detail, OLD.ip_address, OLD.request_id, OLD.created_at) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS practice_auditevent_append_only ON practice_auditevent;
CREATE TRIGGER practice_auditevent_append_only BEFORE UPDATE OR DELETE ON practice_auditevent
FOR EACH ROW EXECUTE FUNCTION practice_auditevent_append_only();
"""

# The embedded SQLite mode refuses edits too. It cannot refuse deletes: SQLite has no session
# setting to let offboarding through, and the test database is emptied with DELETE.
SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER IF NOT EXISTS practice_auditevent_no_update
    BEFORE UPDATE ON practice_auditevent
    WHEN NOT (NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL)
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]

SQLITE_DROP = ["DROP TRIGGER IF EXISTS practice_auditevent_no_update"]

DROP = """
DROP TRIGGER IF EXISTS practice_auditevent_append_only ON practice_auditevent;
DROP FUNCTION IF EXISTS practice_auditevent_append_only();
"""


def _per_vendor(postgresql: str, sqlite: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(postgresql)
        elif vendor == "sqlite":
            for statement in sqlite:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("practice", "0002_audit_events")]

    operations = [
        migrations.RunPython(
            _per_vendor(APPEND_ONLY, SQLITE_APPEND_ONLY), _per_vendor(DROP, SQLITE_DROP)
        )
    ]
