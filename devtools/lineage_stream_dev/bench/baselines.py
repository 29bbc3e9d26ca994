"""The baselines the worker is measured against, on the same topic in the same run.

* **B0 raw intake**: confluent-kafka ``Consumer.consume()`` + fastavro decode of every record
  (``json.loads`` for OpenLineage JSON), nothing else: what reading the stream costs at all.
* **B1 Neo4j ceiling**: the exact write batches the pipeline produces for this stream (decode,
  the worker's stages, ``plan_batch``, batch by batch with the worker's batch size and its
  offsets), computed in memory a chunk at a time, untimed, then replayed with ``Neo4jSink.write``
  into an empty graph, timed: how fast Neo4j takes our writes when nothing else runs.
* **B2 naive**: ``poll()`` one record, decode it, one auto-commit ``MERGE`` transaction per event,
  offsets auto-committed by the client: what most people write first.
"""

from __future__ import annotations

import io
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from lineage_stream_dev.bench.report import rate

Say = Callable[[str], None]

_FETCH = {"max.partition.fetch.bytes": 8 * 1024 * 1024, "fetch.max.bytes": 64 * 1024 * 1024}


@dataclass(slots=True)
class Baseline:
    name: str
    records: int = 0
    seconds: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return rate(self.records, self.seconds)


def _consumer(bootstrap: str, group: str, *, auto_commit: bool = False) -> Any:
    from confluent_kafka import Consumer

    return Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                     "enable.auto.commit": auto_commit, **_FETCH})


def raw_decoder(registry_url: str, json_format: bool) -> Callable[[bytes], Any]:
    """Bytes → a decoded record (a dict), with nothing of the pipeline: fastavro or json.loads."""
    if json_format:
        return json.loads
    import fastavro

    from lineage_stream.adapters.registry import RegistrySchemas
    from lineage_stream.contract import latest_schema, unframe

    schemas = RegistrySchemas(registry_url)
    reader = latest_schema().parsed

    def decode(value: bytes) -> Any:
        schema_id, body = unframe(value)
        return fastavro.schemaless_reader(io.BytesIO(body), schemas.writer_schema(schema_id), reader)

    return decode


def raw_intake(bootstrap: str, registry_url: str, topic: str, records: int, *, json_format: bool,
               timeout_s: float = 600.0) -> Baseline:
    """B0: consume and decode the whole topic; the clock runs from the first batch to the last record."""
    decode = raw_decoder(registry_url, json_format)
    consumer = _consumer(bootstrap, f"bench-b0-{uuid.uuid4().hex[:8]}")
    consumer.subscribe([topic])
    baseline = Baseline("B0")
    started: float | None = None
    deadline = time.monotonic() + timeout_s
    try:
        while baseline.records < records and time.monotonic() < deadline:
            for message in consumer.consume(num_messages=1000, timeout=1.0):
                if message.error() is not None:
                    continue
                if started is None:
                    started = time.perf_counter()
                decode(message.value())
                baseline.records += 1
        baseline.seconds = time.perf_counter() - started if started is not None else 0.0
    finally:
        consumer.close()
    return baseline


def neo4j_ceiling(bootstrap: str, topic: str, records: int, sink: Any, decoder: Callable[[bytes], Any],
                  stages: list[Any], batch_size: int, group: str, say: Say, *, chunk_batches: int = 20,
                  timeout_s: float = 1200.0) -> Baseline:
    """B1: plan the stream's batches a chunk at a time (untimed), then replay each into Neo4j (timed).

    ``group`` is the consumer group the offsets rows are written for, as the worker writes them.
    """
    from lineage_stream.graph.plan import plan_batch
    from lineage_stream.model import RecordOrigin
    from lineage_stream.pipeline.chain import run_stages

    consumer = _consumer(bootstrap, f"bench-b1-read-{uuid.uuid4().hex[:8]}")
    consumer.subscribe([topic])
    baseline = Baseline("B1", detail={"rows": 0, "batches": 0, "written_events": 0, "duplicates": 0, "rejected": 0})
    deadline = time.monotonic() + timeout_s
    consumed = 0
    try:
        while consumed < records and time.monotonic() < deadline:
            planned: list[tuple[int, Any]] = []
            while len(planned) < chunk_batches and consumed < records and time.monotonic() < deadline:
                messages = [m for m in consumer.consume(num_messages=batch_size, timeout=1.0) if m.error() is None]
                if not messages:
                    continue
                consumed += len(messages)
                decoded = []
                offsets: dict[tuple[str, int], int] = {}
                for m in messages:
                    origin = RecordOrigin(m.topic(), m.partition(), m.offset())
                    offsets[(origin.topic, origin.partition)] = origin.offset + 1
                    try:
                        decoded.append((origin, decoder(m.value())))
                    except Exception:
                        baseline.detail["rejected"] += 1
                result = run_stages(stages, decoded)
                baseline.detail["duplicates"] += len(result.dropped)
                baseline.detail["rejected"] += len(result.errors)
                rows = [{"group": group, "topic": t, "partition": p, "next_offset": o} for (t, p), o in offsets.items()]
                batch = plan_batch([e for _, e in result.oks], rows, applied_at_us=time.time_ns() // 1000)
                baseline.detail["rows"] += sum(len(getattr(batch, name)) for name in batch.__slots__)
                baseline.detail["written_events"] += len(result.oks)
                planned.append((len(messages), batch))
            for size, batch in planned:  # the replay: only this is timed
                started = time.perf_counter()
                sink.write(batch)
                baseline.seconds += time.perf_counter() - started
                baseline.records += size
                baseline.detail["batches"] += 1
            say(f"  B1: {baseline.records:,} records replayed, {baseline.rate:,.0f}/s in Neo4j so far")
    finally:
        consumer.close()
    return baseline


NAIVE_MERGE = """
MERGE (j:Job {namespace: $job_namespace, name: $job_name})
SET j.facets = $job_facets
MERGE (r:Run {run_id: $run_id})
MERGE (j)-[:HAS_RUN]->(r)
SET r.state = $state, r.last_seen_us = $at, r.facets = $run_facets
FOREACH (i IN $inputs |
  MERGE (d:Dataset {namespace: i.namespace, name: i.name})
  SET d.facets = i.facets
  MERGE (d)-[:READ_BY]->(r)
  MERGE (d)-[:INPUT_TO]->(j))
FOREACH (o IN $outputs |
  MERGE (d:Dataset {namespace: o.namespace, name: o.name})
  SET d.facets = o.facets
  MERGE (r)-[:WROTE]->(d)
  MERGE (j)-[:OUTPUTS]->(d)
  FOREACH (f IN o.fields |
    MERGE (fd:Field {namespace: o.namespace, dataset: o.name, name: f.name})
    SET fd.type = f.type, fd.description = f.description
    MERGE (d)-[:HAS_FIELD]->(fd)))
"""


def naive_parameters(event: Any) -> dict[str, Any]:
    """One event as the parameters of ``NAIVE_MERGE`` (facets as JSON text, fields flattened one level)."""
    def dataset(d: Any) -> dict[str, Any]:
        return {"namespace": d.namespace, "name": d.name, "facets": json.dumps(dict(d.facets), sort_keys=True),
                "fields": [{"name": f.name, "type": f.type, "description": f.description} for f in d.fields or ()]}

    return {
        "job_namespace": event.job.namespace, "job_name": event.job.name,
        "job_facets": json.dumps(dict(event.job.facets), sort_keys=True),
        "run_id": event.run.run_id, "state": event.event_type.value if event.event_type else None,
        "at": event.event_time_us, "run_facets": json.dumps(dict(event.run.facets), sort_keys=True),
        "inputs": [dataset(d) for d in event.inputs], "outputs": [dataset(d) for d in event.outputs],
    }


def naive(bootstrap: str, topic: str, records: int, driver: Any, database: str, decoder: Callable[[bytes], Any],
          seconds: float, group: str) -> Baseline:
    """B2: one record at a time, one auto-commit transaction per event, for ``seconds`` or ``records``."""
    consumer = _consumer(bootstrap, group, auto_commit=True)
    consumer.subscribe([topic])
    baseline = Baseline("B2", detail={"failed": 0, "first_error": None})
    started: float | None = None
    try:
        with driver.session(database=database) as session:
            while baseline.records + baseline.detail["failed"] < records:
                if started is not None and time.perf_counter() - started >= seconds:
                    break
                message = consumer.poll(1.0)
                if message is None or message.error() is not None:
                    continue
                if started is None:
                    started = time.perf_counter()
                try:
                    session.run(NAIVE_MERGE, naive_parameters(decoder(message.value()))).consume()
                    baseline.records += 1
                except Exception as error:  # counted and shown, never folded into the rate
                    baseline.detail["failed"] += 1
                    baseline.detail["first_error"] = baseline.detail["first_error"] or f"{type(error).__name__}: {error}"
        baseline.seconds = time.perf_counter() - started if started is not None else 0.0
    finally:
        consumer.close()
    return baseline
