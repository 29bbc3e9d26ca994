"""What both consumer subprocesses of the framework comparison share: arguments, timing, result file.

A child reads ``--events`` records of ``--topic`` from the beginning with a fresh consumer group,
decodes each with the project's ``AvroDecoder`` (writer schemas from the registry, as the worker
does), and writes one JSON result. Times are ``time.perf_counter()`` seconds from the moment the
child's code started (before the consumer library was imported), so start-up counts:

* ``startup_s``: child start → first batch handed to user code;
* ``consume_s``: first batch handed over → the ``events``-th record decoded (the throughput window);
* ``total_s``: child start → the ``events``-th record decoded.

Throughput is ``decoded / consume_s``; both children hand over batches of up to 1000 records.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

BATCH = 1000
"""Records per batch handed to user code, in both children (and the worker's default batch size)."""

FETCH_BYTES_PER_PARTITION = 8 * 1024 * 1024
"""Both consumers fetch up to this much per partition, as the worker's ``KafkaSource`` does."""


@dataclass(frozen=True, slots=True)
class ChildArgs:
    topic: str
    events: int
    bootstrap: str
    registry: str
    group: str
    result: Path
    timeout_s: float
    max_bytes: int
    decode: bool = True


def parse_child_args(argv: Sequence[str] | None = None, *, prog: str) -> ChildArgs:
    parser = argparse.ArgumentParser(prog=prog, description="One consumer of the framework comparison.")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--events", type=int, required=True, help="stop after this many records")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--registry", default="http://127.0.0.1:8081/apis/ccompat/v7")
    parser.add_argument("--group", required=True, help="a fresh consumer group ID")
    parser.add_argument("--result", type=Path, required=True, help="where to write the JSON result")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up after this many seconds")
    parser.add_argument("--max-bytes", type=int, default=4 * 1024 * 1024, help="the decoder's size limit")
    parser.add_argument("--no-decode", action="store_true", help="hand the bytes over undecoded (transport only)")
    args = parser.parse_args(argv)
    return ChildArgs(args.topic, args.events, args.bootstrap, args.registry, args.group, args.result,
                     args.timeout, args.max_bytes, not args.no_decode)


def make_decoder(args: ChildArgs) -> Callable[[bytes | None], object]:
    """The worker's Avro decoder (writer schemas fetched from the registry once per ID), or, with
    ``--no-decode``, a function that only touches the value (to measure the transport alone)."""
    if not args.decode:
        return _as_is
    from lineage_stream.adapters.registry import RegistrySchemas
    from lineage_stream.contract import latest_schema
    from lineage_stream.pipeline.decode import AvroDecoder

    return AvroDecoder(RegistrySchemas(args.registry), latest_schema(), max_bytes=args.max_bytes, clock_us=wall_clock_us)


def _as_is(value: bytes | None) -> object:
    return value


def wall_clock_us() -> int:
    return time.time_ns() // 1000


@dataclass(slots=True)
class ChildResult:
    impl: str
    target: int
    started: float = field(repr=False)
    decoded: int = 0
    errors: int = 0
    batches: int = 0
    complete: bool = False
    imported_s: float | None = None
    ready_s: float | None = None
    startup_s: float | None = None
    consume_s: float | None = None
    total_s: float | None = None
    first_error: str | None = None
    pid: int = field(default_factory=os.getpid)
    _first: float | None = field(default=None, repr=False)

    def mark(self, what: str) -> None:
        """Record when the consumer library was imported (``imported``) or the consumer started (``ready``)."""
        setattr(self, f"{what}_s", time.perf_counter() - self.started)

    def batch_received(self) -> None:
        if self._first is None:
            self._first = time.perf_counter()
            self.startup_s = self._first - self.started

    def decode_batch(self, decode: Callable[[bytes | None], object], values: Sequence[bytes | None]) -> None:
        """Decode ``values`` (counting failures) and close the window once the target is reached."""
        for value in values:
            try:
                decode(value)
            except Exception as error:  # a benchmark counts failures rather than stopping at the first
                self.errors += 1
                if self.first_error is None:
                    self.first_error = f"{type(error).__name__}: {error}"
        self.decoded += len(values)
        self.batches += 1
        if self.decoded >= self.target and not self.complete:
            self.finish(complete=True)

    def finish(self, *, complete: bool) -> None:
        now = time.perf_counter()
        self.complete = complete
        self.total_s = now - self.started
        if self._first is not None:
            self.consume_s = now - self._first

    @property
    def done(self) -> bool:
        return self.decoded >= self.target

    def write(self, path: Path) -> None:
        data = {k: v for k, v in asdict(self).items() if not k.startswith("_") and k != "started"}
        data["python"] = sys.version.split()[0]
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        tmp.replace(path)  # the parent never sees a half-written file
