"""(d) End-to-end worker throughput: Kafka → decode → stages → plan → Neo4j, as ``run_worker`` runs it.

Each repetition generates events under a fresh ``bench-<token>`` namespace (so every write
creates, never merely matches), produces them to fresh topics, and runs
``run_worker(settings, until_idle=True, serve_metrics=False)`` with a fresh consumer group.
The figure is events written ÷ the wall time of ``run_worker``, start-up (topic check, Neo4j
schema, group join) and the final idle check included; the share of that time spent in Neo4j
transactions comes from the worker's own histogram.

Neo4j Community has one database, so afterwards everything the bench wrote is deleted: nodes
whose namespace holds the token, the runs of its jobs, its applied-event IDs and its Kafka
offsets, each in batched ``CALL { ... } IN TRANSACTIONS`` in an auto-commit session; the
topics and the consumer group are deleted too.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from lineage_stream_dev.bench.consume import KafkaTarget, delete_kafka_leftovers, produce_events
from lineage_stream_dev.bench.events import generate_events, namespace_token, recent_base_us
from lineage_stream_dev.bench.report import Spread, rate, spread

Say = Callable[[str], None]

_BATCH_ROWS = 5000
_CLEANUP = (
    # (what, the MATCH that finds it, parameters) — runs first, while their jobs still lead to them
    ("runs", "MATCH (j:Job)-[:HAS_RUN]->(n:Run) WHERE j.namespace = $marker", ("marker",)),
    ("applied event IDs", "UNWIND $ids AS id MATCH (n:AppliedEvent {event_id: id})", ("ids",)),
    ("jobs", "MATCH (n:Job) WHERE n.namespace = $marker", ("marker",)),
    ("datasets", "MATCH (n:Dataset) WHERE n.namespace CONTAINS $marker", ("marker",)),
    ("fields", "MATCH (n:Field) WHERE n.namespace CONTAINS $marker", ("marker",)),
    ("Kafka offsets", "MATCH (n:KafkaOffset) WHERE n.group = $group", ("group",)),
)


@dataclass(slots=True)
class WorkerRun:
    repetition: int
    events: int
    totals: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0
    neo4j_s: float = 0.0
    """Seconds inside Neo4j batch transactions (the worker's ``lineage_batch_write_seconds``)."""
    produce_s: float = 0.0
    first_consumed_s: float | None = None
    """run_worker start → first record consumed (start-up: topics, Neo4j schema, group join)."""
    last_written_s: float | None = None
    """run_worker start → last event written (the rest of the wall time is the idle check and shutdown)."""
    deleted: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return rate(self.totals.get("written", 0), self.wall_s)

    @property
    def steady_rate(self) -> float:
        """Events written ÷ (first consumed → last written): the rate once running."""
        if self.first_consumed_s is None or self.last_written_s is None:
            return 0.0
        return rate(self.totals.get("written", 0), self.last_written_s - self.first_consumed_s)


class _Progress(threading.Thread):
    """Samples the worker's counters every 20 ms to find when it consumed first and wrote last."""

    def __init__(self, registry: Any, topic: str, target: int) -> None:
        super().__init__(name="bench-progress", daemon=True)
        self._registry, self._topic, self._target = registry, topic, target
        self._halt = threading.Event()
        self.started_at = time.perf_counter()
        self.first_consumed: float | None = None
        self.last_written: float | None = None

    def run(self) -> None:
        while not self._halt.wait(0.02):
            now = time.perf_counter() - self.started_at
            if self.first_consumed is None and (self._value("lineage_events_consumed_total") or 0.0) > 0:
                self.first_consumed = now
            if (self._value("lineage_events_written_total", kind="RUN") or 0.0) >= self._target:
                self.last_written = now
                return

    def _value(self, name: str, **labels: str) -> float | None:
        value = self._registry.get_sample_value(name, {"topic": self._topic, **labels})
        return None if value is None else float(value)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=1.0)


@dataclass(slots=True)
class WorkerReport:
    events: int
    batch_size: int
    neo4j_server: str = ""
    runs: list[WorkerRun] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def summary(self) -> Spread | None:
        values = [r.rate for r in self.runs if r.rate > 0.0]
        return spread(values) if values else None

    @property
    def steady(self) -> Spread | None:
        values = [r.steady_rate for r in self.runs if r.steady_rate > 0.0]
        return spread(values) if values else None


def _histogram_sum(registry: Any, name: str) -> float:
    value = registry.get_sample_value(f"{name}_sum")
    return float(value or 0.0)


def cleanup(driver: Any, database: str, marker: str, event_ids: Sequence[str], group: str) -> dict[str, int]:
    """Delete what one repetition wrote; returns the number of nodes deleted per kind."""
    parameters: dict[str, Any] = {"marker": marker, "ids": list(event_ids), "group": group}
    deleted: dict[str, int] = {}
    from neo4j.exceptions import CypherSyntaxError

    scope = "(n)"  # Neo4j 5.23+; older servers only know the importing WITH form
    with driver.session(database=database) as session:  # auto-commit: CALL IN TRANSACTIONS needs it
        for what, match, names in _CLEANUP:
            while True:
                body = "DETACH DELETE n" if scope else "WITH n DETACH DELETE n"
                query = f"{match} CALL {scope} {{ {body} }} IN TRANSACTIONS OF {_BATCH_ROWS} ROWS RETURN count(*) AS deleted"
                try:
                    record = session.run(query, {k: parameters[k] for k in names}).single()
                    break
                except CypherSyntaxError:
                    if not scope:
                        raise
                    scope = ""
            deleted[what] = int(record["deleted"]) if record else 0
    return deleted


def measure(kafka: KafkaTarget, events: int, repeat: int, say: Say, *, seed: int = 7,
            env: dict[str, str] | None = None) -> WorkerReport:
    import neo4j

    from lineage_stream.adapters.metrics import WorkerMetrics
    from lineage_stream.app import run_worker
    from lineage_stream.settings import worker_settings

    base_env = dict(os.environ if env is None else env)
    base_env["LINEAGE_KAFKA_BOOTSTRAP"] = kafka.bootstrap  # already resolved: flag, then environment
    base_env["LINEAGE_REGISTRY_URL"] = kafka.registry
    report = WorkerReport(events, worker_settings(base_env).batch_size)
    for repetition in range(repeat):
        token = uuid.uuid4().hex[:8]
        marker = namespace_token(token)
        names = {
            "LINEAGE_AVRO_TOPIC": f"bench-worker-{token}",
            "LINEAGE_OPENLINEAGE_TOPICS": f"bench-worker-{token}-openlineage",
            "LINEAGE_DLQ_TOPIC": f"bench-worker-{token}-dlq",
            "LINEAGE_GROUP_ID": f"bench-worker-{token}",
        }
        settings = worker_settings({**base_env, **names})
        generated = generate_events(events, seed=seed, token=token, base_us=recent_base_us(events))
        event_ids = [e.event_id for e in generated]
        say(f"repetition {repetition + 1}/{repeat}: producing {events:,} events to {names['LINEAGE_AVRO_TOPIC']} ...")
        from lineage_stream.adapters.kafka_source import ensure_topics

        ensure_topics(kafka.bootstrap, [names["LINEAGE_AVRO_TOPIC"]], partitions=3)
        run = WorkerRun(repetition, events)
        run.produce_s, _ = produce_events(generated, kafka, names["LINEAGE_AVRO_TOPIC"])
        del generated
        say(f"  running the worker (group {names['LINEAGE_GROUP_ID']}) until idle ...")
        metrics = WorkerMetrics()
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        progress = _Progress(metrics.registry, names["LINEAGE_AVRO_TOPIC"], events)
        try:
            progress.start()
            run.totals = run_worker(settings, until_idle=True, serve_metrics=False, metrics=metrics)
            run.wall_s = time.perf_counter() - progress.started_at
            run.neo4j_s = _histogram_sum(metrics.registry, "lineage_batch_write_seconds")
        finally:
            progress.stop()
            run.first_consumed_s, run.last_written_s = progress.first_consumed, progress.last_written
            for signum, handler in handlers.items():  # run_worker installs its own; give Ctrl-C back
                signal.signal(signum, handler)
            driver = neo4j.GraphDatabase.driver(settings.neo4j.uri, auth=(settings.neo4j.user, settings.neo4j.secret_password()))
            try:
                report.neo4j_server = report.neo4j_server or _server(driver)
                run.deleted = cleanup(driver, settings.neo4j.database, marker, event_ids, settings.kafka.group_id)
            except Exception as error:  # report, then go on: the measurement stands
                report.problems.append(f"Neo4j cleanup of {marker} failed: {error}")
            finally:
                driver.close()
            topics = [names["LINEAGE_AVRO_TOPIC"], names["LINEAGE_OPENLINEAGE_TOPICS"], names["LINEAGE_DLQ_TOPIC"]]
            report.problems.extend(delete_kafka_leftovers(kafka.bootstrap, topics, [settings.kafka.group_id]))
        report.runs.append(run)
        say(f"  worker: {run.totals}, {run.rate:,.0f} events/s over {run.wall_s:.1f} s, "
            f"{run.steady_rate:,.0f} events/s from first consumed to last written "
            f"({run.neo4j_s:.1f} s in Neo4j transactions); deleted {sum(run.deleted.values()):,} nodes")
    return report


def _server(driver: Any) -> str:
    info = driver.get_server_info()
    return f"{info.agent} (protocol {'.'.join(map(str, info.protocol_version))})"
