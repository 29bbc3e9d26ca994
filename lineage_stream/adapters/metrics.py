"""The worker's Prometheus metrics, on a registry the app owns (never the global one).

Every metric is defined in ``docs/metrics.md`` (a test checks it). The worker calls the ``record_*``
and ``set_*`` methods here; what a metric means is decided in this module, not at the call sites.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from confluent_kafka import KafkaError
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from lineage_stream import __version__
from lineage_stream.memo import IdentityMemo
from lineage_stream.model import LineageEvent, RecordOrigin

# Ingestion latency runs from seconds (live) to days (replays); buckets cover both.
_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400, float("inf"))
_BATCH_BUCKETS = (1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
DEPENDENCIES = ("kafka", "registry", "neo4j", "dead_letter")
"""The dependencies with an up gauge, a retry counter and an error counter."""
OTHER = "other"
_VERSION_SEGMENT = re.compile(r"/(?:tree|blob|releases/tag)/[^/]+")
_CREDENTIALS = re.compile(r"(//)[^/@\s]+@")


class BoundedLabel:
    """Label values capped at ``limit`` distinct ones (the first seen keep their name), the rest ``other``."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._kept: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        if value in self._kept:
            return value
        with self._lock:
            if len(self._kept) < self._limit:
                self._kept.add(value)
                return value
        return OTHER


def producer_name(producer: str) -> str:
    """A producer URI as a label value: without its version segment (``/tree/1.2.0``, so upgrades keep
    one value), without credentials, query or fragment (nothing secret reaches /metrics), at most 120
    characters."""
    text = producer.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # not a URL after all (an unclosed bracket, a port that is not a number)
        parts, port = urlsplit(""), None
    if parts.scheme and parts.netloc:
        text = f"{parts.scheme}://{parts.hostname or ''}{f':{port}' if port else ''}{parts.path}"
    else:
        text = text.split("?", 1)[0].split("#", 1)[0]
    return _VERSION_SEGMENT.sub("", text)[:120] or "unknown"


def safe_detail(error: BaseException) -> str:
    """An error as operators may read it: class and message, credentials in URLs masked, bounded."""
    return _CREDENTIALS.sub(r"\1***@", f"{type(error).__name__}: {error}")[:300]


_FIELD_HASHES = 4_096


@dataclass(frozen=True, slots=True)
class DependencyState:
    up: bool | None
    """None until the dependency was first seen working or failing."""
    detail: str
    since: float


class WorkerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None, *, top_producers: int = 20,
                 top_namespaces: int = 20, schemas_remembered: int = 100_000) -> None:
        self.registry = registry or CollectorRegistry()
        self.on_ingestion_latency: Callable[[float], None] | None = None
        """A hook the benchmark sets to see every event-time latency."""
        self._producers = BoundedLabel(top_producers)
        self._namespaces = BoundedLabel(top_namespaces)
        self._schemas: dict[tuple[str, str], tuple[int, int]] = {}
        """(namespace, name) -> (event time, hash of the fields) of the newest schema seen, oldest first."""
        self._schemas_remembered = schemas_remembered
        self._field_hashes: IdentityMemo[tuple[Any, ...], int] = IdentityMemo(_FIELD_HASHES)
        """The hash of a schema's fields by the tuple's identity: the decoder hands out one tuple per distinct
        schema, and hashing one hashes every field in Python (3.3 of 5.4 us per event before)."""
        self._redaction_children: dict[tuple[str, str], Any] = {}
        self._sources: dict[str, str] = {}
        self._newest: dict[str, float] = {}
        self._series: dict[tuple[str, str, str], tuple[str, Any, Any, Any]] = {}
        self._dependencies: dict[str, DependencyState] = {}
        self._state_lock = threading.Lock()
        r = self.registry
        self.build_info = Info("lineage_build", "The running lineage-stream version", registry=r)
        self.build_info.info({"version": __version__})
        self._flow_metrics(r)
        self._dependency_metrics(r)
        self._governance_metrics(r)

    def _flow_metrics(self, r: CollectorRegistry) -> None:
        self.consumed = Counter("lineage_events_consumed", "Records consumed from Kafka", ["topic"], registry=r)
        self.written = Counter("lineage_events_written", "Events applied to the graph", ["topic", "kind"], registry=r)
        self.rejected = Counter(
            "lineage_events_rejected", "Records rejected and dead-lettered, by stage and reason class",
            ["topic", "stage", "error"], registry=r)
        self.duplicates = Counter("lineage_events_duplicate", "Events dropped as duplicates by event ID", ["topic"], registry=r)
        self.facets_dropped = Counter(
            "lineage_facets_dropped", "Malformed facets dropped from otherwise valid events", ["facet"], registry=r)
        self.unrecognized_identifiers = Counter(
            "lineage_identifiers_unrecognized", "Dataset identifiers no naming rule recognized, kept as given",
            ["scheme"], registry=r)
        self.ingestion_latency = Histogram(
            "lineage_ingestion_latency_seconds", "From event time to Neo4j commit", ["source", "producer"],
            buckets=_LATENCY_BUCKETS, registry=r)
        self.kafka_latency = Histogram(
            "lineage_kafka_latency_seconds", "From the Kafka record timestamp to Neo4j commit", ["source", "producer"],
            buckets=_LATENCY_BUCKETS, registry=r)
        self.schema_drift = Counter(
            "lineage_schema_drift", "Schema changes seen in the stream: a dataset's fields differ from the "
            "newest ones this worker saw for it", ["namespace"], registry=r)
        self.last_event = Gauge(
            "lineage_last_event_timestamp_seconds", "Event time of the newest event written, by producer",
            ["producer"], registry=r)
        self.batch_seconds = Histogram("lineage_batch_write_seconds", "Duration of one Neo4j batch transaction", registry=r)
        self.batch_events = Histogram(
            "lineage_batch_events", "Events written to the graph per committed batch", buckets=_BATCH_BUCKETS, registry=r)
        self.last_commit = Gauge("lineage_last_commit_timestamp_seconds", "Unix time of the last committed batch", registry=r)
        self.consumer_lag = Gauge("lineage_consumer_lag", "Records behind the high watermark", ["topic", "partition"], registry=r)
        self.assigned_partitions = Gauge("lineage_assigned_partitions", "Partitions assigned to this worker", registry=r)
        self.paused = Gauge("lineage_partitions_paused", "1 while consumption is paused for an outage", registry=r)
        self.dedup_window = Gauge("lineage_dedup_window_ids", "Event IDs held in the in-memory dedup window", registry=r)

    def _dependency_metrics(self, r: CollectorRegistry) -> None:
        self.up = Gauge("lineage_dependency_up", "1 if the dependency answered its last check or use, 0 if not",
                        ["dependency"], registry=r)
        self.retries = Counter("lineage_dependency_retries", "Operations retried because the dependency was unavailable",
                               ["dependency"], registry=r)
        self.errors = Counter("lineage_dependency_errors", "Failed checks or uses of the dependency",
                              ["dependency"], registry=r)
        self.sink_up = Gauge("lineage_sink_up", "1 while Neo4j accepts writes, 0 while it does not", registry=r)
        self.sink_retries = Counter("lineage_sink_retries", "Batch writes retried after Neo4j was unavailable", registry=r)
        self.dead_letter_failures = Counter("lineage_dead_letter_failures", "Dead-letter deliveries that failed", registry=r)
        for dependency in DEPENDENCIES:  # known label values start at 0, so rates exist before the first failure
            self.retries.labels(dependency)
            self.errors.labels(dependency)

    # --- governance: redaction and cardinality (labels are detector and action names, never data) ---
    def _governance_metrics(self, r: CollectorRegistry) -> None:
        self.redactions = Counter(
            "lineage_redactions", "Secrets and personal data replaced before anything was stored",
            ["detector", "action"], registry=r)

        self.namespaces_over_budget = Counter(
            "lineage_namespaces_over_budget", "Namespaces whose distinct datasets went over the budget "
            "(cardinality.namespace_dataset_budget), counted once per worker", registry=r)
        self.runs_sampled_out = Counter(
            "lineage_runs_sampled_out", "Run events whose run detail the sampling rules left out "
            "(job- and dataset-level lineage kept)", registry=r)

    def count_redactions(self, counts: Mapping[tuple[str, str], int]) -> None:
        """Called for every event. Detector and action names come from the code, not from input: their
        children are kept (``labels`` looks them up under a lock, about 1 us each)."""
        children = self._redaction_children
        for key, count in counts.items():
            child = children.get(key)
            if child is None:
                child = children[key] = self.redactions.labels(*key)
            child.inc(count)

    # --- wiring (the composition root) ---
    def set_sources(self, sources: Mapping[str, str]) -> None:
        """Which source (``avro``, ``openlineage_json``) each topic carries."""
        self._sources = dict(sources)
        for topic in self._sources:
            self.consumed.labels(topic)
            self.duplicates.labels(topic)

    def watch(self, *, dedup_size: Callable[[], int], assigned: Callable[[], int], paused: Callable[[], bool]) -> None:
        """Gauges read at scrape time from the worker's own state."""
        self.dedup_window.set_function(lambda: float(dedup_size()))
        self.assigned_partitions.set_function(lambda: float(assigned()))
        self.paused.set_function(lambda: 1.0 if paused() else 0.0)

    # --- the stream ---
    def record_written(self, written: Iterable[tuple[RecordOrigin, LineageEvent]], now: float) -> None:
        """A batch committed: count its events and observe their latencies against ``now`` (Unix seconds)."""
        events = 0
        newest: dict[str, float] = {}
        for origin, event in written:
            events += 1
            series = self._series.get((origin.topic, event.producer, event.kind.value))
            if series is None:
                series = self._series_of(origin.topic, event.producer, event.kind.value)
            producer, written_child, ingestion, kafka = series
            written_child.inc()
            event_time = event.event_time_us / 1e6
            latency = max(now - event_time, 0.0)
            ingestion.observe(latency)
            if self.on_ingestion_latency is not None:
                self.on_ingestion_latency(latency)
            if origin.timestamp_ms is not None:
                kafka.observe(max(now - origin.timestamp_ms / 1000, 0.0))
            if event_time > newest.get(producer, 0.0):
                newest[producer] = event_time
            self._watch_schemas(event)
        for producer, event_time in newest.items():
            if event_time > self._newest.get(producer, 0.0):
                self._newest[producer] = event_time
                self.last_event.labels(producer).set(event_time)
        self.batch_events.observe(events)
        self.last_commit.set(now)
        self.dependency_ok("neo4j")

    def _series_of(self, topic: str, raw_producer: str, kind: str) -> tuple[str, Any, Any, Any]:
        """The label value and metric children for one (topic, producer, kind), looked up once."""
        source = self._sources.get(topic, OTHER)
        producer = self._producers(producer_name(raw_producer))
        series = (producer, self.written.labels(topic, kind), self.ingestion_latency.labels(source, producer),
                  self.kafka_latency.labels(source, producer))
        if len(self._series) < 10_000:  # bounded: producers are capped, but raw producer strings are not
            self._series[(topic, raw_producer, kind)] = series
        return series

    def _watch_schemas(self, event: LineageEvent) -> None:
        """Count a schema change when a dataset's fields differ from the newest seen for it (by event time;
        an older event's schema is not a change)."""
        for dataset in (*event.inputs, *event.outputs, *((event.dataset,) if event.dataset else ())):
            if dataset.fields is None:
                continue
            fields_hash = self._field_hashes.get(dataset.fields)
            if fields_hash is None:
                fields_hash = hash(dataset.fields)
                self._field_hashes.put(dataset.fields, fields_hash)
            key, seen = dataset.key, (event.event_time_us, fields_hash)
            previous = self._schemas.get(key)
            if previous is not None and seen[0] < previous[0]:
                continue
            if previous is not None and seen[1] != previous[1]:
                self.schema_drift.labels(self._namespaces(dataset.namespace)).inc()
            elif previous is None and len(self._schemas) >= self._schemas_remembered:
                del self._schemas[next(iter(self._schemas))]
            self._schemas[key] = seen

    def record_write_seconds(self, seconds: float) -> None:
        self.batch_seconds.observe(seconds)

    def set_lag(self, lags: Mapping[tuple[str, int], int]) -> None:
        """The lag of every assigned partition; partitions no longer assigned lose their series."""
        current = {(t, str(p)) for t, p in lags}
        for labels in list(self._lag_series()):
            if labels not in current:
                self.consumer_lag.remove(*labels)
        for (topic, partition), lag in lags.items():
            self.consumer_lag.labels(topic, str(partition)).set(lag)

    def _lag_series(self) -> Iterable[tuple[str, str]]:
        for metric in self.consumer_lag.collect():
            for sample in metric.samples:
                yield sample.labels["topic"], sample.labels["partition"]

    def kafka_statistics(self, stats_json: str, assigned: Collection[tuple[str, int]]) -> None:
        """librdkafka's statistics (``stats_cb``): lag per assigned partition, and whether a broker is up."""
        stats = json.loads(stats_json)
        lags: dict[tuple[str, int], int] = {}
        for topic, topic_stats in stats.get("topics", {}).items():
            for partition, p in topic_stats.get("partitions", {}).items():
                key = (topic, int(partition))
                if key in assigned and p.get("hi_offset", -1) >= 0:
                    lag = p.get("consumer_lag", -1)
                    if lag < 0:  # nothing committed yet: behind by everything from the low watermark
                        lag = p["hi_offset"] - max(p.get("lo_offset", 0), 0)
                    lags[key] = max(int(lag), 0)
        self.set_lag(lags)
        brokers = [b for b in stats.get("brokers", {}).values() if b.get("nodeid", -1) >= 0]
        if any(b.get("state") == "UP" for b in brokers):
            self.dependency_ok("kafka")
        elif brokers:
            self.dependency_failed("kafka", "no broker connection is up", retried=False)

    def kafka_error(self, error: KafkaError) -> None:
        """A Kafka client error (``error_cb``, or an error record from ``consume``): counted; when every
        broker is down, Kafka is down (partition end-of-file is not an error)."""
        if error.code() == KafkaError._PARTITION_EOF:
            return
        if error.code() == KafkaError._ALL_BROKERS_DOWN:
            self.dependency_failed("kafka", f"KafkaError: {error.str()}", retried=False)
        else:
            self.errors.labels("kafka").inc()

    # --- dependencies ---
    def dependency_ok(self, dependency: str) -> None:
        self._set_state(dependency, True, "")

    def dependency_failed(self, dependency: str, detail: str | BaseException, *, retried: bool) -> None:
        """A check or use of ``dependency`` failed; ``retried`` when the worker retries the operation."""
        text = detail if isinstance(detail, str) else safe_detail(detail)
        self.errors.labels(dependency).inc()
        if retried:
            self.retries.labels(dependency).inc()
            if dependency == "neo4j":
                self.sink_retries.inc()
            if dependency == "dead_letter":
                self.dead_letter_failures.inc()
        self._set_state(dependency, False, text)

    def _set_state(self, dependency: str, up: bool, detail: str) -> None:
        with self._state_lock:
            previous = self._dependencies.get(dependency)
            since = previous.since if previous is not None and previous.up == up else time.time()
            self._dependencies[dependency] = DependencyState(up, detail, since)
        self.up.labels(dependency).set(1 if up else 0)
        if dependency == "neo4j":
            self.sink_up.set(1 if up else 0)

    def dependencies(self) -> dict[str, DependencyState]:
        """The last known state of every dependency (unknown ones: ``up`` None)."""
        with self._state_lock:
            known = dict(self._dependencies)
        return {d: known.get(d, DependencyState(None, "not checked yet", 0.0)) for d in DEPENDENCIES}
