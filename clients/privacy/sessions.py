"""Open sessions that carry what erasure or offboarding removes (a respondent bound to an erased
invitation, links to show once that name the partners) are ended or stripped.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.cache import caches

# Where the couple page keeps links to show once (clients.views.remember_links); they carry the
# partners' names, so erasure and offboarding strip them from open sessions.
ONCE_LINKS_PREFIX = "once-links:"


RESPONDENT_SESSION_KEY = "respondent"


def scrub_sessions(*, drop: Callable[[dict[str, Any]], bool], strip: Callable[[str], bool]) -> None:
    """Deletes the stored sessions `drop` picks and removes the keys `strip` picks from the
    others, expired ones included (they still hold their data until `clearsessions`). Only
    database-backed sessions can be enumerated; signed-cookie sessions live in browsers."""
    engines = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")
    if settings.SESSION_ENGINE not in engines:
        return
    from django.contrib.sessions.models import Session

    engine = import_module(settings.SESSION_ENGINE)
    cached = settings.SESSION_ENGINE.endswith("cached_db")
    for row in Session.objects.all().iterator():
        data = row.get_decoded()
        if not data:
            continue
        key = row.session_key
        if drop(data):
            row.delete()
        elif any(strip(name) for name in data):
            kept = {name: value for name, value in data.items() if not strip(name)}
            row.session_data = engine.SessionStore().encode(kept)
            row.save(update_fields=["session_data"])
        else:
            continue
        if cached:
            caches[settings.SESSION_CACHE_ALIAS].delete(
                engine.SessionStore(session_key=key).cache_key
            )
