"""The comparisons' rollup trigger (migration 0008) works only when a change can move the flags it
keeps: a comparison becoming done or no longer done, or a done comparison's `finished_at`
changing. A job's start (pending to running), a recorded error and a retry change neither the
settled flag nor the couple's latest done comparison, and no longer pay for the trigger's two
statements (2.5-3 ms a statement under row-level security, nearly all of it planning)."""

import importlib

from django.db import migrations

from practice.rls_sql import on_postgresql

rollups = importlib.import_module("assessments.migrations.0008_dashboard_rollups")

TABLE = "assessments_comparison"
FUNCTION, BEFORE, _ = rollups._TABLES[TABLE]
DONE_CHANGES = (
    "(n.status = 'done') IS DISTINCT FROM (o.status = 'done')"
    " OR ((n.status = 'done' OR o.status = 'done')"
    " AND n.finished_at IS DISTINCT FROM o.finished_at)"
)


def _function(changed: str) -> str:
    return rollups._PG_CHANGED.format(name=FUNCTION, changed=changed, body=rollups._pg_body(TABLE))


class Migration(migrations.Migration):
    dependencies = [("assessments", "0012_shared_summary_row_security")]

    operations = [migrations.RunPython(*on_postgresql(_function(DONE_CHANGES), _function(BEFORE)))]
