"""kombu's filesystem transport, made safe for a producer and a consumer running at once.

The stock transport creates the message file and then writes into it; a worker polling the
folder can move and read the file in between, get an empty message and crash. Here a message is
written under a hidden temporary name and renamed into place, which is atomic, so a reader sees
either nothing or the whole message. Used by the embedded mode (`filesystem://`).
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

ALIAS = "fulcrumfs"


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        # The leading dot keeps the half-written file out of every queue's listing.
        temporary = os.path.join(self.data_folder_out, f".{uuid.uuid4()}.writing")
        try:
            with open(temporary, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise ChannelError(f"Cannot add a message to {queue!r}") from exc


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES[ALIAS] = "practice.filesystem_broker:Transport"
