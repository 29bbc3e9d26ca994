"""The framework comparison: confluent-kafka vs faust-streaming, consuming the SAME Avro records.

One run produces N generated events to a fresh 3-partition topic with ``LineageProducer`` (the
production wire format: Confluent-framed Avro, lz4), then, R times and alternating which goes
first, reads the whole topic from the beginning with a fresh consumer group in a fresh
subprocess for each framework, decoding every record with the worker's ``AvroDecoder``:

* (a) ``lineage_stream_dev.bench.confluent_app``: a ``Consumer.consume(num_messages=1000)`` loop;
* (b) ``lineage_stream_dev.bench.faust_app``: a faust agent over ``stream.take(1000, within=1.0)``.

Both run as subprocesses so that each has a fresh interpreter, a clean heap and its own event
loop; the throughput window of each is first batch → N-th record decoded (``bench.child``).
The topic and the consumer groups are deleted afterwards.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from lineage_stream_dev.bench.events import generate_events, recent_base_us
from lineage_stream_dev.bench.report import Spread, paired_ratios, rate, spread
from lineage_stream.model import LineageEvent

Say = Callable[[str], None]

CONFLUENT = "confluent-kafka"
FAUST = "faust-streaming"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # faust's spinner writes cursor codes to its log
_CHILD_MODULES = {CONFLUENT: "lineage_stream_dev.bench.confluent_app", FAUST: "lineage_stream_dev.bench.faust_app"}


@dataclass(frozen=True, slots=True)
class KafkaTarget:
    bootstrap: str
    registry: str


@dataclass(slots=True)
class ConsumeRun:
    """One child's measurement."""

    framework: str
    repetition: int
    position: int
    """1 if this framework went first in its repetition, 2 if second."""
    events: int
    decoded: int = 0
    errors: int = 0
    complete: bool = False
    rate: float = 0.0
    imported_s: float | None = None
    """Child start → consumer library imported."""
    ready_s: float | None = None
    """Child start → consumer subscribed (confluent-kafka) or agent started (faust)."""
    startup_s: float | None = None
    consume_s: float | None = None
    total_s: float | None = None
    wall_s: float = 0.0
    """Parent-observed: process spawn → exit (interpreter start and shutdown included)."""
    first_error: str | None = None
    log_tail: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ConsumeReport:
    topic: str
    events: int
    partitions: int
    compression: str
    generate_s: float
    produce_s: float
    mean_record_bytes: float
    decode: bool = True
    runs: list[ConsumeRun] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def rates(self, framework: str) -> list[float]:
        """Events/s per repetition, in repetition order (0.0 for an incomplete run)."""
        ordered = sorted((r for r in self.runs if r.framework == framework), key=lambda r: r.repetition)
        return [r.rate if r.complete else 0.0 for r in ordered]

    def summary(self, framework: str) -> Spread | None:
        values = [v for v in self.rates(framework) if v > 0.0]
        return spread(values) if values else None

    def overall(self, framework: str) -> Spread | None:
        """Events/s counting the child's start-up too: records / (child start → N-th record decoded)."""
        values = [rate(r.decoded, r.total_s) for r in self.runs if r.framework == framework and r.complete]
        return spread(values) if values else None

    def startup(self, framework: str) -> Spread | None:
        values = [r.startup_s for r in self.runs if r.framework == framework and r.startup_s is not None]
        return spread(values) if values else None

    def ratio(self) -> Spread | None:
        """confluent-kafka events/s ÷ faust-streaming events/s, paired per repetition."""
        by_repetition = {(r.framework, r.repetition): (r.rate if r.complete else 0.0) for r in self.runs}
        repetitions = sorted({rep for framework, rep in by_repetition if framework == CONFLUENT}
                             & {rep for framework, rep in by_repetition if framework == FAUST})
        ratios = paired_ratios([by_repetition[(CONFLUENT, rep)] for rep in repetitions],
                               [by_repetition[(FAUST, rep)] for rep in repetitions])
        ratios = [r for r in ratios if r > 0.0]
        return spread(ratios) if ratios else None


def run_order(repetition: int) -> tuple[str, str]:
    """Alternate which framework goes first, so neither always meets a warmer broker cache."""
    return (CONFLUENT, FAUST) if repetition % 2 == 0 else (FAUST, CONFLUENT)


def produce_events(events: Sequence[LineageEvent], kafka: KafkaTarget, topic: str, *,
                   compression: str = "lz4") -> tuple[float, float]:
    """Publish ``events`` with ``LineageProducer``; returns (seconds, mean encoded record bytes)."""
    from lineage_stream.producer import LineageProducer

    started = time.perf_counter()
    with LineageProducer(kafka.bootstrap, kafka.registry, topic, config={"compression.type": compression}) as producer:
        sample = events[:1000]
        mean_bytes = sum(len(producer.encode(e)) for e in sample) / max(len(sample), 1)
        for event in events:
            producer.send(event)
    return time.perf_counter() - started, mean_bytes


def topic_records(bootstrap: str, topic: str) -> int:
    """Records in ``topic`` (sum over partitions of high − low watermark)."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-probe-{uuid.uuid4().hex[:8]}"})
    try:
        partitions = consumer.list_topics(topic, timeout=10.0).topics[topic].partitions
        total = 0
        for partition in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10.0)
            total += high - low
        return total
    finally:
        consumer.close()


def delete_kafka_leftovers(bootstrap: str, topics: Sequence[str], groups: Sequence[str]) -> list[str]:
    """Delete what a benchmark created; returns the problems (best effort: never raises)."""
    from confluent_kafka.admin import AdminClient

    problems: list[str] = []
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures: dict[str, Any] = {}
    if groups:
        futures.update(admin.delete_consumer_groups(list(groups), request_timeout=15.0))
    if topics:
        futures.update(admin.delete_topics(list(topics), operation_timeout=15.0))
    for name, future in futures.items():
        try:
            future.result()
        except Exception as error:  # e.g. a group the consumer never created
            problems.append(f"{name}: {error}")
    return problems


def run_child(framework: str, kafka: KafkaTarget, topic: str, events: int, group: str, workdir: Path,
              timeout_s: float, *, decode: bool = True) -> tuple[dict[str, Any] | None, float, list[str]]:
    """Run one consumer subprocess; returns (its JSON result or None, wall seconds, last log lines)."""
    result_path = workdir / f"{group}.json"
    log_path = workdir / f"{group}.log"
    command = [sys.executable, "-m", _CHILD_MODULES[framework], "--topic", topic, "--events", str(events),
               "--bootstrap", kafka.bootstrap, "--registry", kafka.registry, "--group", group,
               "--result", str(result_path), "--timeout", str(timeout_s), *([] if decode else ["--no-decode"])]
    started = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            process.wait(timeout=timeout_s + 30.0)
        except subprocess.TimeoutExpired:
            process.kill()  # our own child, past its own deadline
            process.wait()
    wall = time.perf_counter() - started
    text = _ANSI.sub("", log_path.read_text(encoding="utf-8", errors="replace"))
    lines = [line for line in text.splitlines() if line.strip(" \b\r\t")]
    result = json.loads(result_path.read_text(encoding="utf-8")) if result_path.exists() else None
    return result, wall, lines[-15:]


def measure(kafka: KafkaTarget, events: int, repeat: int, say: Say, *, seed: int = 7,
            compression: str = "lz4", decode: bool = True) -> ConsumeReport:
    token = uuid.uuid4().hex[:8]
    topic = f"bench-consume-{token}"
    say(f"generating {events:,} events (seed {seed}) ...")
    started = time.perf_counter()
    generated = generate_events(events, seed=seed, token=token, base_us=recent_base_us(events))
    generate_s = time.perf_counter() - started
    from lineage_stream.adapters.kafka_source import ensure_topics

    ensure_topics(kafka.bootstrap, [topic], partitions=3)
    say(f"producing them to {topic} (3 partitions, {compression}) with LineageProducer ...")
    produce_s, mean_bytes = produce_events(generated, kafka, topic, compression=compression)
    del generated  # the children decode from Kafka; keep the parent's heap small
    stored = topic_records(kafka.bootstrap, topic)
    if stored != events:
        raise RuntimeError(f"{topic} holds {stored} records, expected {events}")
    say(f"  produced in {produce_s:.1f} s ({rate(events, produce_s):,.0f}/s, {mean_bytes:,.0f} bytes/record)")
    report = ConsumeReport(topic, events, 3, compression, generate_s, produce_s, mean_bytes, decode)
    frameworks = [CONFLUENT, FAUST]
    if importlib.util.find_spec("faust") is None:
        report.skipped[FAUST] = "faust-streaming is not installed (pip install -e ./devtools)"
        frameworks.remove(FAUST)
    groups: list[str] = []
    timeout_s = 60.0 + events / 250.0
    try:
        with tempfile.TemporaryDirectory(prefix="lineage-bench-") as tmp:
            for repetition in range(repeat):
                order = [f for f in run_order(repetition) if f in frameworks]
                for position, framework in enumerate(order, start=1):
                    group = f"bench-{token}-{'ck' if framework == CONFLUENT else 'faust'}-{repetition}"
                    groups.append(group)
                    say(f"repetition {repetition + 1}/{repeat}: {framework} reading {events:,} records ...")
                    result, wall, tail = run_child(framework, kafka, topic, events, group, Path(tmp), timeout_s,
                                                     decode=decode)
                    run = _run_from(result, framework, repetition, position, events, wall, tail)
                    report.runs.append(run)
                    say(f"  {framework}: {run.rate:,.0f} events/s, start-up {run.startup_s or 0:.2f} s, "
                        f"wall {wall:.2f} s{'' if run.complete else ' (INCOMPLETE: see the log tail)'}")
    finally:
        time.sleep(1.0)  # let the children's group leave settle before deleting the groups
        for problem in delete_kafka_leftovers(kafka.bootstrap, [topic], groups):
            say(f"  cleanup: {problem}")
    return report


def _run_from(result: dict[str, Any] | None, framework: str, repetition: int, position: int, events: int,
              wall: float, tail: list[str]) -> ConsumeRun:
    run = ConsumeRun(framework, repetition, position, events, wall_s=wall, log_tail=tail)
    if result is None:
        run.first_error = "the child wrote no result"
        return run
    run.decoded = int(result.get("decoded", 0))
    run.errors = int(result.get("errors", 0))
    run.complete = bool(result.get("complete")) and run.errors == 0
    run.imported_s = result.get("imported_s")
    run.ready_s = result.get("ready_s")
    run.startup_s = result.get("startup_s")
    run.consume_s = result.get("consume_s")
    run.total_s = result.get("total_s")
    run.first_error = result.get("first_error")
    run.rate = rate(run.decoded, run.consume_s)
    return run
