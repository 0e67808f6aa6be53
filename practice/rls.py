"""The third wall: PostgreSQL row-level security, named from the same place as the scope.

Every tenant table admits only rows of the practice in the session setting `app.practice_id`
(and `practice_membership` also the rows of the user in `app.user_id`, so sign-in can list a
person's practices before any practice is chosen). The application connects as a role that owns
no table and cannot bypass the policies; see `practice/rls_sql.py` for the rules and
`create_app_role` for the role.

Which practice a query runs for is read, at every query, from django-scopes' state: whatever
entered `scope(practice=...)` (the tenancy middleware, `PracticeTask`, the respondent session,
an operator loop over practices) names the practice for the database as well. `scopes_disabled()`
switches off only the application's check: the practice of an enclosing scope stays, and with none
there is none, so a query outside any practice sees no tenant rows.

Why a session setting sent lazily rather than `SET LOCAL`: Django runs in autocommit, so a
transaction-local setting would end with the statement that set it. A session setting would leak
to the next request on a persistent connection if it were set once and forgotten; instead it is
compared with the wanted value before every statement and re-sent whenever they differ (so a
request without a practice finds '' sent before its first query). The comparison uses a copy of
what was last sent on the connection, forgotten on every rollback (a rollback also undoes a
setting made inside it) and on every new connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django_scopes import get_scope

_acting_user: ContextVar[int | None] = ContextVar("rls_acting_user", default=None)

SET_SQL = "SELECT set_config('app.practice_id', %s, false), set_config('app.user_id', %s, false)"


def _practice_id(value: Any) -> str:
    # A scope names one practice (an instance or its id); anything else names none, and the
    # database then admits no tenant rows.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    pk = getattr(value, "pk", None)
    return str(pk) if isinstance(pk, int) else ""


def wanted() -> tuple[str, str]:
    """The (practice id, user id) settings the next statement must run with ('' for none)."""
    user = _acting_user.get()
    return _practice_id(get_scope().get("practice")), "" if user is None else str(user)


@contextmanager
def acting_user(user_id: int) -> Iterator[None]:
    """Lets the database show a signed-in person their own memberships, in every practice, while
    no practice is resolved yet (the practice picker, the switcher, sign-in checks)."""
    token = _acting_user.set(user_id)
    try:
        yield
    finally:
        _acting_user.reset(token)


class PracticeSettingWrapper:
    """An execute wrapper: brings the connection's settings in line before each statement."""

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        connection = context["connection"]
        target = wanted()
        if connection.rls_sent != target and not connection.rls_paused:
            # The raw cursor: the setting is not one of the application's queries (query counts
            # in tests stay those of the application); its errors read as Django's.
            with connection.wrap_database_errors, connection.connection.cursor() as cursor:
                cursor.execute(SET_SQL, list(target))
            connection.rls_sent = target
        return execute(sql, params, many, context)
