"""The Celery application: configured from Django settings (CELERY_* names)."""

from __future__ import annotations

import os

from celery import Celery

from practice import filesystem_broker  # noqa: F401  (registers the fulcrumfs:// transport)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")

app = Celery("fulcrum")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Task modules that sit in a feature package rather than at an app's root.
app.autodiscover_tasks(["assessments.comparisons"])
