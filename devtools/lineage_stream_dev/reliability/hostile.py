"""Bad records of every kind, as raw Kafka record values with a unique key.

Each builder returns a ``HostileRecord``: the bytes to produce, the key that identifies it in the
dead-letter topic, the topic kind it belongs on (``avro`` or ``openlineage``) and whether it is in
fact valid. One kind is valid on purpose: identifiers full of Cypher syntax must be ingested
verbatim (every value reaches Neo4j as a parameter), never dead-lettered.

Avro topic: not Avro, an unknown schema ID, truncated Avro, trailing bytes after a record, an
array declaring 2⁴⁰ items, invalid UTF-8 inside a string, a timestamp in nanoseconds, a timestamp
30 days ahead, a 64 KiB identifier, an identifier with control characters.
OpenLineage JSON topic: invalid JSON, JSON nested 100,000 deep, invalid UTF-8, a RunEvent without
``runId``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from typing import Sequence

from lineage_stream.contract import frame
from lineage_stream.model import Dataset, EventKind, Job, LineageEvent, Run, RunState
from lineage_stream_dev.reliability.formats import avro_body, avro_value, openlineage_document, to_openlineage
from lineage_stream_dev.reliability.generator import PRODUCER

AVRO_KINDS = ("not_avro", "unknown_schema_id", "truncated_avro", "trailing_bytes", "huge_array", "invalid_utf8",
              "nanosecond_timestamp", "future_timestamp", "huge_identifier", "control_characters", "facet_not_json")
OPENLINEAGE_KINDS = ("invalid_json", "deeply_nested_json", "invalid_utf8_json", "run_without_run_id")
CYPHER_KIND = "cypher_identifier"
CYPHER_TEXTS = (
    "x'}) MATCH (n) DETACH DELETE n //",
    '"}]->(m) SET m.pwned = true RETURN 1; CREATE (:Pwned {at: timestamp()}) //',
    "`) WITH 1 AS x CALL db.clearQueryCaches() //",
    "$rows }) UNWIND range(1, 1000000) AS i CREATE (:Spam) //",
)
_SENTINEL = "P" * 16


@dataclass(frozen=True, slots=True)
class HostileRecord:
    kind: str
    topic: str
    """``avro`` or ``openlineage``: which input topic the record is produced to."""
    key: bytes
    value: bytes
    valid: bool = False
    event: LineageEvent | None = None
    """For a valid record: the event the worker must decode from it."""


@dataclass(frozen=True, slots=True)
class _Context:
    tag: str
    serial: int
    at_us: int
    now_us: int
    schema_id: int

    @property
    def key(self) -> str:
        return f"{self.tag}-{self.serial:05d}"


def _base_event(ctx: _Context, *, job_name: str = "hostile.job", dataset_name: str = "hostile_target",
                producer: str = PRODUCER) -> LineageEvent:
    return LineageEvent(
        event_id=f"{ctx.tag}-hostile-{ctx.serial:05d}", kind=EventKind.RUN, event_time_us=ctx.at_us, producer=producer,
        event_type=RunState.COMPLETE, run=Run(f"{ctx.tag}-hostile-run-{ctx.serial:05d}"),
        job=Job(f"hostile-{ctx.tag}", job_name),
        outputs=(Dataset(f"postgres://db-{ctx.tag}.internal:5432", f"shop.public.{dataset_name}"),),
    )


def _zigzag_varint(value: int) -> bytes:
    n = (value << 1) ^ (value >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _avro(kind: str, ctx: _Context) -> bytes:
    base = _base_event(ctx)
    if kind == "not_avro":
        return json.dumps({"eventType": "COMPLETE", "note": "JSON on the Avro topic", "n": ctx.serial}).encode()
    if kind == "unknown_schema_id":
        return frame(900_000_000 + ctx.serial, avro_body(base))
    if kind == "truncated_avro":
        value = avro_value(base, ctx.schema_id)
        return value[: len(value) // 2]
    if kind == "trailing_bytes":
        return avro_value(base, ctx.schema_id) + b"\x02\x04trailing"
    if kind == "huge_array":
        body = avro_body(replace(base, outputs=()))
        assert body.endswith(b"\x00\x00\x00"), "inputs, outputs and dataset are the last three fields"
        return frame(ctx.schema_id, body[:-3] + _zigzag_varint(2**40) + b"\x02x")
    if kind == "invalid_utf8":
        body = avro_body(replace(base, producer=_SENTINEL))
        assert body.count(_SENTINEL.encode()) == 1
        return frame(ctx.schema_id, body.replace(_SENTINEL.encode(), b"PP\xff\xfe\xc3(" + b"P" * 10))
    if kind == "nanosecond_timestamp":
        return avro_value(replace(base, event_time_us=ctx.at_us * 1_000), ctx.schema_id)
    if kind == "future_timestamp":
        return avro_value(replace(base, event_time_us=ctx.now_us + 30 * 86_400_000_000), ctx.schema_id)
    if kind == "huge_identifier":
        huge = "h" * 65_536
        event = _base_event(ctx, job_name=huge) if ctx.serial % 3 == 0 else _base_event(ctx, dataset_name=huge)
        return avro_value(event, ctx.schema_id)
    if kind == "control_characters":
        bad = "orders\x00\x1b[31m\x07"
        event = _base_event(ctx, job_name=bad) if ctx.serial % 3 == 0 else _base_event(ctx, dataset_name=bad)
        return avro_value(event, ctx.schema_id)
    if kind == "facet_not_json":  # facets travel in Avro as JSON text, which nothing checked before redaction
        assert base.job is not None
        return avro_value(replace(base, job=replace(base.job, facets={"sql": '{"query": "SELECT 1"'})), ctx.schema_id)
    raise ValueError(f"unknown Avro hostile kind {kind!r}")


def _openlineage(kind: str, ctx: _Context) -> bytes:
    value, _ = to_openlineage(_base_event(ctx))
    if kind == "invalid_json":
        return value[: len(value) - 7] + b",,}"
    if kind == "deeply_nested_json":
        return b'{"eventTime": "2025-01-01T00:00:00Z", "run": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    if kind == "invalid_utf8_json":
        return value.replace(b"hostile.job", b"hostile.\xff\xfejob", 1)
    if kind == "run_without_run_id":
        doc = openlineage_document(_base_event(ctx))
        del doc["run"]["runId"]
        return json.dumps(doc).encode()
    raise ValueError(f"unknown OpenLineage hostile kind {kind!r}")


def cypher_event(ctx_tag: str, serial: int, at_us: int) -> LineageEvent:
    """A valid run event whose job, run, dataset and field names are Cypher injections."""
    text = CYPHER_TEXTS[serial % len(CYPHER_TEXTS)]
    ctx = _Context(ctx_tag, serial, at_us, 0, 0)
    base = _base_event(ctx, job_name=f"job {text}", dataset_name=f"t_{serial} {text}")
    assert base.run is not None
    return replace(base, event_id=f"{ctx_tag}-cypher-{serial:05d}", run=Run(f"{ctx_tag}-cypher-run-{serial} {text}"),
                   outputs=(replace(base.outputs[0], namespace=f"custom-{ctx_tag}://cypher"),))


def hostile_record(kind: str, *, tag: str, serial: int, at_us: int, now_us: int, schema_id: int) -> HostileRecord:
    """One record of ``kind`` (an ``AVRO_KINDS``, ``OPENLINEAGE_KINDS`` or ``CYPHER_KIND`` entry)."""
    ctx = _Context(tag, serial, at_us, now_us, schema_id)
    key = f"bad-{kind}-{ctx.key}".encode()
    if kind in AVRO_KINDS:
        return HostileRecord(kind, "avro", key, _avro(kind, ctx))
    if kind in OPENLINEAGE_KINDS:
        return HostileRecord(kind, "openlineage", key, _openlineage(kind, ctx))
    if kind == CYPHER_KIND:
        event = cypher_event(tag, serial, at_us)
        return HostileRecord(kind, "avro", f"ok-{kind}-{ctx.key}".encode(), avro_value(event, schema_id), True, event)
    if kind == CYPHER_KIND + "_json":
        value, event = to_openlineage(cypher_event(tag, serial, at_us))
        return HostileRecord(kind, "openlineage", f"ok-{kind}-{ctx.key}".encode(), value, True, event)
    raise ValueError(f"unknown hostile kind {kind!r}")


def hostile_records(kinds: Sequence[str], count: int, *, tag: str, at_us: int, now_us: int, schema_id: int,
                    first_serial: int = 0) -> list[HostileRecord]:
    """``count`` records cycling through ``kinds`` (each kind at least once when ``count >= len(kinds)``)."""
    return [hostile_record(kinds[i % len(kinds)], tag=tag, serial=first_serial + i, at_us=at_us + i,
                           now_us=now_us, schema_id=schema_id) for i in range(count)]


def mix(valid: Sequence[tuple[bytes, bytes]], bad: Sequence[tuple[bytes, bytes]], *, seed: int = 0
        ) -> list[tuple[bytes, bytes]]:
    """``valid`` in its order with each of ``bad`` inserted at a random position (key, value pairs)."""
    rng = random.Random(f"mix:{seed}")
    slots: list[list[tuple[bytes, bytes]]] = [[] for _ in range(len(valid) + 1)]
    for record in bad:
        slots[rng.randint(0, len(valid))].append(record)
    out: list[tuple[bytes, bytes]] = []
    for i, slot in enumerate(slots):
        out.extend(slot)
        if i < len(valid):
            out.append(valid[i])
    return out

