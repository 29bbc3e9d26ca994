"""The producer SDK: publish lineage events to Kafka as Confluent-framed Avro.

    with LineageProducer("127.0.0.1:9092", "http://127.0.0.1:8081/apis/ccompat/v7") as producer:
        producer.send_openlineage(openlineage_event_dict)
    # leaving the block flushes, and raises DeliveryError if any event was not acknowledged

The producer is idempotent with acks=all, keys each record by run ID (so one run's events stay in
order in one partition), and assigns an event ID when an event has none.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Mapping

from confluent_kafka import KafkaError, Message, Producer

from lineage_stream.adapters.registry import RegistrySchemas
from lineage_stream.contract import avro_value, event_to_record, latest_schema
from lineage_stream.contract.schemas import SchemaVersion, subject_for
from lineage_stream.errors import DeliveryError
from lineage_stream.model import EventKind, LineageEvent
from lineage_stream.openlineage import derive_event_id, parse_openlineage

if TYPE_CHECKING:
    from lineage_stream.settings import Settings

DEFAULT_TOPIC = "lineage-events"


def record_key(event: LineageEvent) -> bytes:
    """Run events by run ID; dataset and job events by their identifier."""
    if event.kind is EventKind.RUN and event.run is not None:
        return event.run.run_id.encode()
    if event.kind is EventKind.DATASET and event.dataset is not None:
        return f"dataset:{event.dataset.namespace}/{event.dataset.name}".encode()
    if event.job is not None:
        return f"job:{event.job.namespace}/{event.job.name}".encode()
    return event.event_id.encode()


def with_event_id(event: LineageEvent) -> LineageEvent:
    """The event, with an ID derived from its content if it has none (re-sending it keeps the ID)."""
    if event.event_id.strip():
        return event
    return replace(event, event_id=derive_event_id(event_to_record(event)))


def produce_waiting(producer: Producer, topic: str, value: bytes, key: bytes | None,
                    on_delivery: Callable[[Any, Any], None]) -> None:
    """Queue one record; while librdkafka's local queue is full, serve delivery reports and try again."""
    while True:
        try:
            producer.produce(topic, value=value, key=key, on_delivery=on_delivery)
            break
        except BufferError:  # local queue full: serve delivery reports, then try again
            producer.poll(0.1)
    producer.poll(0)


class LineageProducer:
    def __init__(self, bootstrap: str, registry_url: str, topic: str = DEFAULT_TOPIC, *,
                 schema: SchemaVersion | None = None, subject: str | None = None,
                 config: Mapping[str, Any] | None = None, registry_config: Mapping[str, str] | None = None,
                 ) -> None:
        """``subject`` defaults to ``<topic>-value`` (the topic name strategy); ``config`` is librdkafka
        settings over the defaults; ``registry_config`` the registry client's (authentication, TLS)."""
        self.topic = topic
        self._schema = schema or latest_schema()
        registry = RegistrySchemas(registry_url, config=registry_config)
        self._schema_id = registry.register(subject or subject_for(topic), self._schema.text)
        settings: dict[str, Any] = {
            "bootstrap.servers": bootstrap,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 20,
            "compression.type": "lz4",
            "message.max.bytes": 4 * 1024 * 1024,
        }
        settings.update(config or {})
        self._producer = Producer(settings)
        self._failures: list[str] = []
        self.sent = 0

    @classmethod
    def from_settings(cls, settings: Settings, topic: str | None = None) -> LineageProducer:
        """A producer configured by the settings model: security, pass-through, subject strategy, logs."""
        from lineage_stream.logs import kafka_logger

        topic = topic or settings.kafka.avro_topic
        schema = latest_schema()
        return cls(settings.kafka.bootstrap, settings.registry.url, topic, schema=schema,
                   subject=subject_for(topic, settings.registry.subject_strategy, schema.parsed["name"]),
                   config={**settings.kafka.client_config("producer"), "logger": kafka_logger()},
                   registry_config=settings.registry.client_config())

    @property
    def schema_id(self) -> int:
        return self._schema_id

    def encode(self, event: LineageEvent) -> bytes:
        return avro_value(event, self._schema_id, self._schema)

    def send(self, event: LineageEvent) -> LineageEvent:
        """Queue ``event`` (an ID is assigned when missing) and return it as sent."""
        event = with_event_id(event)
        self.send_encoded(self.encode(event), record_key(event))
        return event

    def send_encoded(self, value: bytes, key: bytes) -> None:
        """Queue a record already encoded: ``encode``'s value and ``record_key``'s key of an event that
        has its ID (``with_event_id``). For callers that encode ahead of sending."""
        produce_waiting(self._producer, self.topic, value, key, self._on_delivery)
        self.sent += 1

    def send_openlineage(self, document: Mapping[str, Any]) -> LineageEvent:
        """Convert an OpenLineage event (a parsed JSON object) and queue it.

        Raises:
            ValidationError: the document is not an OpenLineage event we can represent.
        """
        return self.send(parse_openlineage(document).event)

    def flush(self, timeout_s: float = 60.0) -> None:
        """Wait for every queued event to be acknowledged.

        Raises:
            DeliveryError: some events were not delivered (or not within ``timeout_s``).
        """
        remaining = self._producer.flush(timeout_s)
        failures, self._failures = self._failures, []
        if remaining:
            failures.append(f"{remaining} event(s) still unacknowledged after {timeout_s}s")
        if failures:
            raise DeliveryError(failures)

    def _on_delivery(self, error: KafkaError | None, message: Message) -> None:
        if error is not None:
            raw = message.key()
            key = raw.decode(errors="replace") if raw else ""
            self._failures.append(f"key {key!r}: {error.str()}")

    def __enter__(self) -> LineageProducer:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.flush()
        else:
            self._producer.flush(10.0)
