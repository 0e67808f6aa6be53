"""Django's PostgreSQL backend, with the practice setting of row-level security kept in line with
the scope before each statement (see practice/rls.py)."""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

from practice.rls import PracticeSettingWrapper


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What the session last received (None: unknown, send before the next statement), and
        # whether to hold it back (while a savepoint is rolled back in an aborted transaction).
        self.rls_sent: tuple[str, str] | None = None
        self.rls_paused = False
        self.execute_wrappers.append(PracticeSettingWrapper())

    def init_connection_state(self) -> None:
        # A new session starts with neither setting.
        self.rls_sent = None
        super().init_connection_state()

    # A rollback undoes any setting made inside the transaction: what was sent is forgotten.
    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self.rls_sent = None

    def _savepoint_rollback(self, sid: str) -> None:
        self.rls_paused = True
        try:
            super()._savepoint_rollback(sid)  # type: ignore[misc]
        finally:
            self.rls_paused = False
            self.rls_sent = None
