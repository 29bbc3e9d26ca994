"""Log set-up, done once at the edge: level, text or JSON lines, and third-party loggers tuned.

- librdkafka logs through Python logging (every Kafka client gets ``logger=kafka_logger()``); its
  transient "retrying" chatter (the idempotent producer's GETPID while a fresh broker loads) is DEBUG.
- Neo4j's query notifications (e.g. "property key not in the database yet") show only at DEBUG.
- Repeated messages from one call site (rejected records) are logged at a bounded rate, with a count
  of what was held back.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Callable, Literal

from pythonjsonlogger.json import JsonFormatter

LIBRDKAFKA_LOGGER = "lineage_stream.librdkafka"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_HANDLER_NAME = "lineage-stream"
_QUIET = ("neo4j", "httpx", "httpx2", "httpcore", "urllib3")


def kafka_logger() -> logging.Logger:
    """The logger to pass to every confluent-kafka client as ``logger=``."""
    return logging.getLogger(LIBRDKAFKA_LOGGER)


class TransientKafkaFilter(logging.Filter):
    """Hide librdkafka's transient start-up warnings unless DEBUG is on (they resolve by themselves)."""

    TRANSIENT = ("GETPID", "retrying", "Coordinator load in progress", "Broker: Not coordinator")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING:
            return True
        message = record.getMessage()
        if any(marker in message for marker in self.TRANSIENT):
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG) or record.levelno < logging.INFO
        return True


class RateLimitFilter(logging.Filter):
    """At most ``burst`` records per ``interval_s`` from one call site; then one line says how many were held."""

    def __init__(self, burst: int = 20, interval_s: float = 10.0, clock: Callable[[], float] | None = None) -> None:
        super().__init__()
        self._burst = burst
        self._interval_s = interval_s
        self._clock = clock or time.monotonic
        self._windows: dict[tuple[str, int], tuple[float, int, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            return True
        key = (record.pathname, record.lineno)
        now = self._clock()
        start, count, held = self._windows.get(key, (now, 0, 0))
        if now - start >= self._interval_s:
            if held:
                record.msg = f"{record.msg} ({held} similar line(s) held back in the last {self._interval_s:.0f}s)"
            start, count, held = now, 0, 0
        if count < self._burst:
            self._windows[key] = (start, count + 1, held)
            return True
        self._windows[key] = (start, count, held + 1)
        return False


def configure(level: str = "INFO", fmt: Literal["text", "json"] = "text") -> None:
    """Configure the root logger once (stderr), and tune the libraries' loggers to ``level``."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                           rename_fields={"levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:  # ours only: keep others' handlers
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = logging.getLevelName(level.upper())
    root.setLevel(numeric)
    debug = numeric <= logging.DEBUG
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.getLogger("neo4j.notifications").setLevel(logging.DEBUG if debug else logging.ERROR)
    librdkafka = kafka_logger()
    librdkafka.filters.clear()
    librdkafka.addFilter(TransientKafkaFilter())
    worker = logging.getLogger("lineage_stream.worker")
    worker.filters = [f for f in worker.filters if not isinstance(f, RateLimitFilter)]
    worker.addFilter(RateLimitFilter())
