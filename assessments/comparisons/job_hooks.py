"""Checkpoints inside the comparison job where the job tests hold or break a real worker.

In production nothing is registered and no environment variable is set, so a checkpoint costs a
dictionary lookup. Tests use it to kill a worker process at a known point, and to make a job fail
transiently or always, against the real broker and database.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

# Set in a worker process's environment: while this file exists the job waits at the checkpoint
# (after writing the process id next to it), so a test can kill that process mid-job.
HOLD_FILE_ENV = "FULCRUM_JOB_HOLD_FILE"

_hooks: dict[str, list[Callable[[int], None]]] = {}


def register(name: str, hook: Callable[[int], None]) -> Callable[[], None]:
    _hooks.setdefault(name, []).append(hook)
    return lambda: _hooks[name].remove(hook)


def checkpoint(name: str, comparison_id: int) -> None:
    hold = os.environ.get(HOLD_FILE_ENV)
    if hold:
        hold_file = Path(hold)
        hold_file.with_suffix(".pid").write_text(str(os.getpid()))
        while hold_file.exists():
            time.sleep(0.05)
    notify(name, comparison_id)


def notify(name: str, comparison_id: int) -> None:
    """Runs the hooks registered under this name (a checkpoint without the hold)."""
    for hook in _hooks.get(name, []):
        hook(comparison_id)
