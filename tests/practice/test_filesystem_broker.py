from __future__ import annotations

import threading
from pathlib import Path

from kombu import Connection, Queue

from practice import filesystem_broker

MESSAGES = 300
PAD = "x" * 50_000


def test_messages_written_while_a_consumer_polls_all_arrive_whole(tmp_path: Path) -> None:
    folder = tmp_path / "queue"
    folder.mkdir()
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(tmp_path),
    }
    received: list[int] = []
    queue = Queue("race")

    def produce() -> None:
        with Connection(f"{filesystem_broker.ALIAS}://", transport_options=options) as conn:
            producer = conn.Producer()
            for n in range(MESSAGES):
                producer.publish({"n": n, "pad": PAD}, routing_key="race", declare=[queue])

    producer = threading.Thread(target=produce)
    with Connection(f"{filesystem_broker.ALIAS}://", transport_options=options) as conn:
        simple = conn.SimpleQueue(queue)  # type: ignore[arg-type]
        producer.start()
        while len(received) < MESSAGES:
            message = simple.get(timeout=10)
            received.append(message.payload["n"])
            message.ack()
        producer.join()

    assert sorted(received) == list(range(MESSAGES))
