"""The dead-letter topic: the original record plus Kafka Connect's ``__connect.errors.*`` headers."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from confluent_kafka import KafkaError, Message, Producer

from lineage_stream.errors import RejectedRecord, RetryableError
from lineage_stream.model import RecordOrigin

Header = tuple[str, bytes | None]


def plain_headers(headers: Any) -> tuple[Header, ...]:
    """Kafka headers as (name, bytes) pairs, whatever shape the client handed them over in."""
    if not headers:
        return ()
    items = headers.items() if isinstance(headers, dict) else headers
    return tuple((str(k), v.encode() if isinstance(v, str) else v) for k, v in items)


def error_headers(origin: RecordOrigin, error: RejectedRecord) -> list[Header]:
    cause = error.__cause__
    return [
        ("__connect.errors.topic", origin.topic.encode()),
        ("__connect.errors.partition", str(origin.partition).encode()),
        ("__connect.errors.offset", str(origin.offset).encode()),
        ("__connect.errors.stage", error.stage.encode()),
        ("__connect.errors.exception.class.name", type(error).__name__.encode()),
        ("__connect.errors.exception.message", error.reason.encode("utf-8", "replace")[:4096]),
        ("__connect.errors.cause.class.name", type(cause).__name__.encode() if cause else b""),
    ]


class DeadLetterWriter:
    """Produces rejected records to the dead-letter topic; ``flush`` must succeed before offsets commit."""

    def __init__(self, bootstrap: str, topic: str, *, config: Mapping[str, Any] | None = None) -> None:
        """``config``: librdkafka settings over the defaults (security, ``logger``, pass-through)."""
        self.topic = topic
        self._producer = Producer(
            {"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all", "linger.ms": 5,
             "message.max.bytes": 16 * 1024 * 1024, **(config or {})}
        )
        self._failures: list[str] = []

    def send(self, origin: RecordOrigin, value: bytes | None, error: RejectedRecord) -> None:
        headers = list(origin.headers) + error_headers(origin, error)
        self._producer.produce(
            self.topic, value=value, key=origin.key, headers=headers,  # type: ignore[arg-type]
            timestamp=origin.timestamp_ms or 0, on_delivery=self._on_delivery,
        )
        self._producer.poll(0)

    def send_all(self, rejected: Sequence[tuple[RecordOrigin, bytes | None, RejectedRecord]]) -> None:
        for origin, value, error in rejected:
            self.send(origin, value, error)

    def flush(self, timeout_s: float = 30.0) -> None:
        """Wait until every dead letter is acknowledged.

        Raises:
            RetryableError: a dead letter could not be delivered; the batch must not be committed.
        """
        remaining = self._producer.flush(timeout_s)
        failures, self._failures = self._failures, []
        if remaining or failures:
            raise RetryableError(f"dead-letter delivery failed ({remaining} pending): {'; '.join(failures[:3])}")

    def _on_delivery(self, err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            self._failures.append(str(err))
