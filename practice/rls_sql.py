"""The row-level security rules, as SQL a migration runs on PostgreSQL (SQLite has no such wall).

A future migration that adds a tenant table protects it with one line:

    migrations.RunPython(*on_postgresql(tenant_table("app_newmodel")))

and a table without a practice column, through the parent row it hangs from:

    migrations.RunPython(*on_postgresql(child_table("app_child", "parent_id", "app_parent")))

tests/practice/test_row_level_security.py reads the catalogue and fails for any table with a
practice column (or a key to such a table) that has no forced policy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

POLICY = "tenant_isolation"

# The practice the current statement runs for ('' and unset both mean none, so no row matches).
CURRENT_PRACTICE = "NULLIF(current_setting('app.practice_id', true), '')::bigint"
CURRENT_USER_ID = "NULLIF(current_setting('app.user_id', true), '')::bigint"


def _protect(table: str, using: str, check: str) -> str:
    # Names come from migrations' own constants, never from input.
    return f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS {POLICY} ON {table};
CREATE POLICY {POLICY} ON {table} USING ({using}) WITH CHECK ({check});
"""


def tenant_table(table: str, column: str = "practice_id", *, nullable: bool = False) -> str:
    """Rows of the current practice only, to read and to write. `nullable`: rows that belong to
    no practice (e.g. a sign-in's audit event) are admitted too."""
    rule = f"{column} = {CURRENT_PRACTICE}"
    if nullable:
        rule = f"({rule} OR {column} IS NULL)"
    return _protect(table, rule, rule)


def child_table(table: str, fk_column: str, parent_table: str) -> str:
    """Rows whose parent row the current practice may see (the parent's own policy decides)."""
    rule = f"EXISTS (SELECT 1 FROM {parent_table} p WHERE p.id = {table}.{fk_column})"  # noqa: S608
    return _protect(table, rule, rule)


def unprotect(table: str) -> str:
    return f"""
DROP POLICY IF EXISTS {POLICY} ON {table};
ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;
ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;
"""


def on_postgresql(
    sql: str, reverse_sql: str = ""
) -> tuple[Callable[..., None], Callable[..., None]]:
    """A RunPython pair that runs the SQL on PostgreSQL and does nothing on SQLite."""

    def run(statement: str) -> Callable[..., None]:
        def apply(apps: Any, schema_editor: Any) -> None:
            if schema_editor.connection.vendor == "postgresql" and statement.strip():
                schema_editor.execute(statement)

        return apply

    return run(sql), run(reverse_sql)


def _identifier(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
        raise ValueError(f"not a plain role or database name: {name!r}")
    return f'"{name}"'


def app_role_grants(role: str, owner: str, database: str, password: str | None) -> list[str]:
    """Statements, run as the owner, that create the application's role if missing and give it
    exactly what it needs: rows of the tables (through the policies), the sequences, the
    functions, and the same on every table the owner creates later."""
    r, o, d = _identifier(role), _identifier(owner), _identifier(database)
    name = role.replace("'", "''")
    login = (
        "LOGIN" if password is None else "LOGIN PASSWORD '{}'".format(password.replace("'", "''"))
    )
    # Identifiers are checked above and literals quoted: none of this is built from raw input.
    return [
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN
                CREATE ROLE {r} LOGIN;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$""",  # noqa: S608
        f"ALTER ROLE {r} {login} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {d} TO {r}",
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {r}",
        f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {r}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
        f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {r}",
    ]
