"""Put records on the input topics (all at once, or at a steady rate in the background) and read
the dead-letter topic back.

Records are ``(key, value)`` byte pairs so valid events and hostile bytes travel the same way and
keep the order a delivery plan chose: Avro values are framed with the schema ID the registry gave
the contract's latest schema, keys are the producer SDK's (the run ID for run events).
"""

from __future__ import annotations

import threading
import time
from typing import Iterable, Sequence

from confluent_kafka import Producer

from lineage_stream.adapters.dead_letter_admin import DeadLetter, read_dead_letters
from lineage_stream.adapters.kafka_source import ensure_topics
from lineage_stream.adapters.registry import RegistrySchemas
from lineage_stream.contract import SUBJECT, latest_schema
from lineage_stream.errors import DeliveryError
from lineage_stream.model import LineageEvent
from lineage_stream.producer import produce_waiting
from lineage_stream_dev.reliability.formats import avro_value, record_key, to_openlineage
from lineage_stream_dev.reliability.harness import StreamNames

Record = tuple[bytes, bytes]


def prepare_topics(bootstrap: str, names: StreamNames) -> None:
    """Create the test's topics as the worker would (3 partitions), before anything is produced."""
    ensure_topics(bootstrap, [*names.topics, names.dlq_topic])


def register_schema(registry_url: str) -> int:
    """The registry's ID for the contract's latest schema (registered if new)."""
    return RegistrySchemas(registry_url).register(SUBJECT, latest_schema().text)


def avro_records(events: Iterable[LineageEvent], schema_id: int) -> list[Record]:
    return [(record_key(e), avro_value(e, schema_id)) for e in events]


def openlineage_records(events: Iterable[LineageEvent]) -> tuple[list[Record], list[LineageEvent]]:
    """JSON records for ``events``, and the events the worker decodes from them (derived IDs)."""
    records: list[Record] = []
    decoded: list[LineageEvent] = []
    for event in events:
        value, expected = to_openlineage(event)
        records.append((record_key(event), value))
        decoded.append(expected)
    return records, decoded


def _producer(bootstrap: str) -> Producer:
    return Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all", "linger.ms": 20,
                     "compression.type": "lz4", "message.max.bytes": 4 * 1024 * 1024})


def produce(bootstrap: str, topic: str, records: Sequence[Record], *, rate_per_s: float | None = None,
            stop: threading.Event | None = None) -> int:
    """Produce ``records`` in order (at ``rate_per_s`` if given) and wait for every acknowledgement.

    Raises:
        DeliveryError: a record was not acknowledged.
    """
    producer = _producer(bootstrap)
    failures: list[str] = []

    def on_delivery(error: object, _message: object) -> None:
        if error is not None:
            failures.append(str(error))

    began = time.monotonic()
    sent = 0
    for key, value in records:
        if stop is not None and stop.is_set():
            break
        if rate_per_s:
            delay = began + sent / rate_per_s - time.monotonic()
            if delay > 0:
                producer.poll(delay)
        produce_waiting(producer, topic, value, key, on_delivery)
        sent += 1
    if producer.flush(60.0) or failures:
        raise DeliveryError(failures or ["records unacknowledged after 60 s"])
    return sent


class Feeder(threading.Thread):
    """Produces ``records`` to ``topic`` in the background at ``rate_per_s``; ``sent`` when done."""

    def __init__(self, bootstrap: str, topic: str, records: Sequence[Record], rate_per_s: float) -> None:
        super().__init__(name=f"feeder-{topic}", daemon=True)
        self._args = (bootstrap, topic, records, rate_per_s)
        self.stop = threading.Event()
        self.sent = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        bootstrap, topic, records, rate = self._args
        try:
            self.sent = produce(bootstrap, topic, records, rate_per_s=rate, stop=self.stop)
        except BaseException as error:  # reported by finish()
            self.error = error

    def finish(self, timeout_s: float = 300.0) -> int:
        self.join(timeout_s)
        if self.is_alive():
            raise TimeoutError(f"{self.name} still producing after {timeout_s} s")
        if self.error is not None:
            raise self.error
        return self.sent


def dead_letters(bootstrap: str, names: StreamNames, *, limit: int = 1_000_000) -> list[DeadLetter]:
    return read_dead_letters(bootstrap, names.dlq_topic, limit=limit)
