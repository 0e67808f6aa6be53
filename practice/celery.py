"""The Celery application: configured from Django settings (CELERY_* names)."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

from practice import filesystem_broker  # noqa: F401  (registers the fulcrumfs:// transport)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")

app = Celery("fulcrum")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Task modules that sit in a feature package rather than at an app's root.
app.autodiscover_tasks(["assessments.comparisons", "assessments.summary"])

# Celery's Django fix-up closes every database connection before and after each task unless this
# (old-style) key is set, so each job would open a new connection: about 6 ms on PostgreSQL, as
# much as the job itself, and far more under load. With it set the fix-up only recycles a
# connection every DB_REUSE_MAX tasks, and the handlers below decide as Django does around a web
# request: a connection past CONN_MAX_AGE, one that saw an error and fails its check, or any
# connection when CONN_MAX_AGE is 0 (the SQLite default) is closed; CONN_HEALTH_CHECKS checks a
# kept one before its first use in the next task.
DB_REUSE_MAX = 1000
app.conf.update(CELERY_DB_REUSE_MAX=DB_REUSE_MAX)


def _close_unusable_connections(sender: Any = None, **kwargs: Any) -> None:
    # An eager task runs inside its caller (a request, a test's transaction): not ours to close.
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


task_prerun.connect(_close_unusable_connections, weak=False)
task_postrun.connect(_close_unusable_connections, weak=False)
