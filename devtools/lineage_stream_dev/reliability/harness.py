"""Drive the system from outside: worker subprocesses, Kafka and Neo4j probes, the equality verdict.

Workers run as ``lineage-stream worker`` subprocesses configured through ``LINEAGE_*`` variables,
so a test can SIGKILL, SIGTERM or scale them. ``WorkerProcess(..., consumer_config={...})`` passes
librdkafka settings to the worker's consumer the way a user does (``LINEAGE_KAFKA__CONSUMER``, JSON):
after a SIGKILL the group waits for the dead member's session (30 s, fixed) to expire before a restarted
worker gets its partitions, so ten crashes would take five minutes. ``static_member(name)`` (a
``group.instance.id`` and a 6 s session) lets a restarted worker take its place at once; nothing
else differs from ``lineage-stream worker``.

"equal" (``verify``) means: the export equals the reference graph, the ``KafkaOffset`` next offsets
of the group equal the end offsets of its topics, and every expected event ID is recorded as applied.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Protocol, Sequence

import neo4j
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from lineage_stream_dev import infra
from lineage_stream.errors import InfraError
from lineage_stream_dev.reliability.canonical import diff_graphs
from lineage_stream_dev.reliability.export import applied_event_ids, export_graph, stored_offsets
from lineage_stream_dev.reliability.reference import ReferenceModel



def static_member(instance_id: str) -> dict[str, object]:
    """Consumer settings for a worker that is restarted in place: static membership, 6 s session."""
    return {"group.instance.id": instance_id, "session.timeout.ms": 6000, "heartbeat.interval.ms": 500}

Offsets = dict[tuple[str, int], int]


class Endpoints(Protocol):
    """Where the services are: ``lineage_stream_dev.infra`` endpoints, or the integration tests' ``services``."""

    @property
    def kafka_bootstrap(self) -> str: ...
    @property
    def registry_url(self) -> str: ...
    @property
    def neo4j_uri(self) -> str: ...
    @property
    def neo4j_user(self) -> str: ...
    @property
    def neo4j_password(self) -> str: ...


@dataclass(frozen=True, slots=True)
class StreamNames:
    """Topics and consumer group of one test (the names ``settings_for`` in the integration tests uses)."""

    tag: str

    @property
    def avro_topic(self) -> str:
        return f"lineage-events-{self.tag}"

    @property
    def openlineage_topic(self) -> str:
        return f"openlineage-{self.tag}"

    @property
    def dlq_topic(self) -> str:
        return f"lineage-dlq-{self.tag}"

    @property
    def group(self) -> str:
        return f"worker-{self.tag}"

    @property
    def topics(self) -> tuple[str, str]:
        return (self.avro_topic, self.openlineage_topic)


def worker_env(endpoints: Endpoints, names: StreamNames, **overrides: str) -> dict[str, str]:
    """``LINEAGE_*`` variables for a worker on ``names`` (overrides: ``LINEAGE_BATCH_SIZE="200"``, ...)."""
    return {
        "LINEAGE_KAFKA_BOOTSTRAP": endpoints.kafka_bootstrap,
        "LINEAGE_REGISTRY_URL": endpoints.registry_url,
        "LINEAGE_NEO4J_URI": endpoints.neo4j_uri,
        "LINEAGE_NEO4J_USER": endpoints.neo4j_user,
        "LINEAGE_NEO4J_PASSWORD": endpoints.neo4j_password,
        "LINEAGE_AVRO_TOPIC": names.avro_topic,
        "LINEAGE_OPENLINEAGE_TOPICS": names.openlineage_topic,
        "LINEAGE_DLQ_TOPIC": names.dlq_topic,
        "LINEAGE_GROUP_ID": names.group,
        **overrides,
    }


_TOTALS = re.compile(r"worker: consumed (\d+), written (\d+), duplicates (\d+), rejected (\d+)")


@dataclass
class WorkerProcess:
    """One ``lineage-stream worker`` subprocess; stdout and stderr go to ``log_path``."""

    env: Mapping[str, str]
    log_path: Path
    until_idle: bool = False
    consumer_config: Mapping[str, object] | None = None
    metrics_port: int | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    started_at: float = field(default=0.0, init=False)

    def start(self) -> WorkerProcess:
        command = [str(Path(sys.executable).with_name("lineage-stream")), "worker", *(["--until-idle"] if self.until_idle else [])]
        command += ["--metrics-port", str(self.metrics_port)] if self.metrics_port else ["--no-metrics"]
        env = {**os.environ, **self.env}
        if self.consumer_config:
            env["LINEAGE_KAFKA__CONSUMER"] = json.dumps(dict(self.consumer_config))
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.started_at = time.monotonic()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_assigned(self, timeout_s: float = 60.0) -> bool:
        """Wait until the worker logged a non-empty assignment (False if it exited or timed out before)."""
        wait_for(lambda: self.assigned() or not self.alive(), timeout_s)
        return self.assigned()

    def assigned(self) -> bool:
        return "assigned [(" in self.log_text()

    def kill(self) -> None:
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        self.wait(30.0)

    def terminate(self, timeout_s: float = 60.0) -> float:
        """SIGTERM; returns the seconds until the process exited (raises if it did not in ``timeout_s``)."""
        began = time.monotonic()
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
        self.wait(timeout_s)
        return time.monotonic() - began

    def wait(self, timeout_s: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout_s)

    def totals(self) -> dict[str, int] | None:
        """consumed/written/duplicates/rejected printed by a worker that exited normally."""
        match = _TOTALS.search(self.log_text())
        if match is None:
            return None
        return dict(zip(("consumed", "written", "duplicates", "rejected"), map(int, match.groups())))


def wait_for(predicate: Callable[[], bool], timeout_s: float, interval_s: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval_s)


class KafkaProbe:
    """End offsets, committed offsets and group membership, without joining any group."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self._consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"probe-{uuid.uuid4().hex}",
                                   "enable.auto.commit": False})
        self._admin = AdminClient({"bootstrap.servers": bootstrap})

    def close(self) -> None:
        self._consumer.close()

    def partitions(self, topics: Sequence[str]) -> list[TopicPartition]:
        metadata = self._consumer.list_topics(timeout=10.0)
        return [TopicPartition(t, p) for t in topics if t in metadata.topics for p in sorted(metadata.topics[t].partitions)]

    def end_offsets(self, topics: Sequence[str]) -> Offsets:
        return {(tp.topic, tp.partition): self._consumer.get_watermark_offsets(tp, timeout=10.0, cached=False)[1]
                for tp in self.partitions(topics)}

    def committed(self, group: str, topics: Sequence[str]) -> Offsets:
        """Offsets committed to Kafka by ``group`` (partitions without a commit are left out)."""
        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": group, "enable.auto.commit": False})
        try:
            found = consumer.committed(self.partitions(topics), timeout=10.0)
        finally:
            consumer.close()
        return {(tp.topic, tp.partition): tp.offset for tp in found if tp.offset >= 0}

    def group(self, group: str) -> tuple[str, int]:
        """The group's state (``STABLE``, ``PREPARING_REBALANCE``...) and member count."""
        description = self._admin.describe_consumer_groups([group])[group].result(timeout=10.0)
        state = getattr(description.state, "name", str(description.state))
        return state, len(description.members)


def offset_problems(stored: Offsets, ends: Offsets) -> list[str]:
    """Where the offsets stored with the graph differ from the topics' end offsets."""
    problems = [f"{t}[{p}]: stored next offset {stored.get((t, p))}, end offset {end}"
                for (t, p), end in sorted(ends.items()) if stored.get((t, p), 0) != end]
    problems += [f"{t}[{p}]: stored next offset {o} for a partition the topics do not have"
                 for (t, p), o in sorted(stored.items()) if (t, p) not in ends]
    return problems


SENTINEL = "MERGE (s:ReliabilitySentinel {tag: $tag}) ON CREATE SET s.created_at = timestamp()"


def plant_sentinel(driver: neo4j.Driver, tag: str) -> None:
    """Mark the test's start in the graph: if it is gone at the end, someone wiped the shared database."""
    driver.execute_query(SENTINEL, tag=tag)


def sentinel_present(driver: neo4j.Driver, tag: str) -> bool:
    records, _, _ = driver.execute_query("MATCH (s:ReliabilitySentinel {tag: $tag}) RETURN count(s) AS n", tag=tag)
    return bool(records[0]["n"])


def caught_up(driver: neo4j.Driver, probe: KafkaProbe, names: StreamNames) -> bool:
    return not offset_problems(stored_offsets(driver, names.group), probe.end_offsets(names.topics))


@dataclass
class Verdict:
    graph_problems: list[str]
    offset_problems: list[str]
    missing_applied: list[str]
    wiped: bool
    expected_counts: dict[str, int]
    actual_counts: dict[str, int]

    @property
    def equal(self) -> bool:
        return not (self.graph_problems or self.offset_problems or self.missing_applied or self.wiped)

    def report(self) -> str:
        lines = [f"equal: {'yes' if self.equal else 'no'}", f"expected {self.expected_counts}",
                 *(["the sentinel is gone: another test wiped the shared Neo4j meanwhile"] if self.wiped else []),
                 f"found    {self.actual_counts}"]
        lines += [f"graph: {p}" for p in self.graph_problems]
        lines += [f"offsets: {p}" for p in self.offset_problems]
        if self.missing_applied:
            lines.append(f"{len(self.missing_applied)} event ID(s) not recorded as applied, e.g. {self.missing_applied[:3]}")
        return "\n".join(lines)


def verify(driver: neo4j.Driver, probe: KafkaProbe, names: StreamNames, model: ReferenceModel, *,
           scope: str | None = None) -> Verdict:
    wiped = not sentinel_present(driver, names.tag)
    expected = model.graph()
    actual = export_graph(driver, scope=scope if scope is not None else names.tag)
    found = applied_event_ids(driver, model.applied)
    return Verdict(
        graph_problems=diff_graphs(expected, actual),
        offset_problems=offset_problems(stored_offsets(driver, names.group), probe.end_offsets(names.topics)),
        missing_applied=sorted(set(model.applied) - found),
        wiped=wiped,
        expected_counts=expected.counts(),
        actual_counts=actual.counts(),
    )


def start_again(service: str, attempts: int = 4) -> None:
    """Start a service the soak stopped. Others share these services and may start it at the same
    moment (the integration tests' ``services`` fixture brings up what is down), which makes one of
    the two starts fail: try again until it answers."""
    for attempt in range(attempts):
        try:
            infra.start_service(service)
            return
        except InfraError:
            if attempt == attempts - 1:
                raise
            time.sleep(5.0)
