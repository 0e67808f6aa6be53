"""The product's Celery app, with the worker keeping its database connection between tasks.

Celery's Django fix-up closes every database connection before and after each task unless
`CELERY_DB_REUSE_MAX` is set, so as shipped each comparison job opens a new PostgreSQL
connection. `bench.throughput` runs a worker from this module beside the shipped one to measure
what setting it would change; the product does not import it.
"""

from __future__ import annotations

from practice.celery import app

# Tasks between reconnects (the fix-up counts the signals before and after each task).
DB_REUSE_MAX = 1000

# The fix-up reads this exact (old-style) key.
app.conf.update(CELERY_DB_REUSE_MAX=DB_REUSE_MAX)

__all__ = ["app"]
