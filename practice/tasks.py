from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=False)
def ping(payload: str) -> str:
    """Echoes its argument: proves a message travels broker -> worker -> result backend."""
    return f"pong:{payload}"
