"""Coverage and quality gauges, computed from the graph on a schedule, off the write path.

A daemon thread runs the queries of ``graph.coverage_queries`` every interval in read transactions
(their own driver and time limit, never the writer's) and keeps the latest snapshot; a collector
exports that snapshot whole at scrape time, so a scrape never sees half an update and a namespace
that left the top list leaves no stale series. If a computation fails, the previous snapshot stays,
``lineage_coverage_errors_total`` counts the failure, and ``lineage_coverage_last_success_timestamp_seconds``
stops moving.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from lineage_stream.graph import coverage_queries as q
from lineage_stream.query.resolve import Tx
from lineage_stream.query.service import impact
from lineage_stream.query.store import GraphReader

log = logging.getLogger(__name__)

_IMPACT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

# name, help, value of one namespace's quality
_PER_NAMESPACE: tuple[tuple[str, str, Callable[[q.NamespaceQuality], float | None]], ...] = (
    ("lineage_datasets", "Datasets in the graph (aliases left out)", lambda n: n.datasets),
    ("lineage_datasets_produced", "Datasets with a known producing job", lambda n: n.produced),
    ("lineage_coverage_ratio", "Share of datasets with a known producing job", lambda n: n.coverage),
    ("lineage_datasets_unlinked", "Datasets with neither a producer nor a consumer", lambda n: n.unlinked),
    ("lineage_column_lineage_ratio", "Share of output datasets with column lineage", lambda n: n.column_lineage),
    ("lineage_schema_ratio", "Share of datasets with a schema", lambda n: n.schema),
    ("lineage_schema_changes", "Schema changes recorded (schema versions beyond each dataset's first)",
     lambda n: n.schema_changes),
    ("lineage_namespace_last_event_timestamp_seconds", "Event time of the newest event seen for the namespace",
     lambda n: n.last_seen_us / 1e6 if n.last_seen_us is not None else None),
)


class CoverageCollector(Collector):
    """Exports the latest snapshot at scrape time."""

    def __init__(self) -> None:
        self.snapshot: q.Snapshot | None = None

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families(None)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families(self.snapshot)

    def _families(self, snapshot: q.Snapshot | None) -> Iterator[GaugeMetricFamily]:
        for name, text, value in _PER_NAMESPACE:
            family = GaugeMetricFamily(name, text, labels=["namespace"])
            for quality in snapshot.namespaces if snapshot else ():
                figure = value(quality)
                if figure is not None:
                    family.add_metric([quality.namespace], figure)
            yield family
        counts: dict[str, tuple[str, str, Mapping[str, int]]] = {
            "lineage_runs_stuck": ("Runs in START or RUNNING past the stuck threshold", "namespace",
                                   snapshot.stuck_runs if snapshot else {}),
            "lineage_jobs_silent": ("Jobs with no run for several times their usual interval", "namespace",
                                    snapshot.silent_jobs if snapshot else {}),
            "lineage_graph_nodes": ("Nodes in the graph by label", "label", snapshot.nodes if snapshot else {}),
            "lineage_graph_relationships": ("Relationships in the graph by type", "type",
                                            snapshot.relationships if snapshot else {}),
        }
        for name, (text, label, values) in counts.items():
            family = GaugeMetricFamily(name, text, labels=[label])
            for key, count in values.items():
                family.add_metric([key], count)
            yield family


class CoverageMonitor:
    """Computes the snapshot every ``interval_s`` in a daemon thread until ``stop``."""

    def __init__(self, reader: GraphReader, registry: CollectorRegistry, *, interval_s: float,
                 top_namespaces: int = 20, stuck_after_s: float = 6 * 3600, silent_factor: float = 3.0,
                 impact_sample: int = 5, clock: Callable[[], float] = time.time) -> None:
        self._reader = reader
        self._interval_s = interval_s
        self._top = top_namespaces
        self._stuck_after_us = int(stuck_after_s * 1e6)
        self._silent_factor = silent_factor
        self._impact_sample = impact_sample
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="coverage", daemon=True)
        self.collector = CoverageCollector()
        registry.register(self.collector)
        self.seconds = Gauge("lineage_coverage_compute_seconds", "Time the last coverage computation took",
                             registry=registry)
        self.last_success = Gauge("lineage_coverage_last_success_timestamp_seconds",
                                  "Unix time of the last coverage computation that succeeded", registry=registry)
        self.failures = Counter("lineage_coverage_errors", "Coverage computations that failed", registry=registry)
        self.impact_seconds = Histogram("lineage_impact_query_seconds", "Time of the downstream-impact query "
                                        "(`lineage-stream impact`) on a sample of datasets", buckets=_IMPACT_BUCKETS,
                                        registry=registry)

    def compute(self) -> q.Snapshot:
        """One computation: the snapshot is exported and returned; the impact sample is timed."""
        started = time.perf_counter()
        now_us = int(self._clock() * 1e6)
        snapshot = self._reader.read(lambda tx: self._snapshot(tx, now_us))
        self.collector.snapshot = snapshot
        for dataset in self._reader.read(lambda tx: tx.query(q.IMPACT_SAMPLE, sample=self._impact_sample)):
            began = time.perf_counter()
            impact(self._reader, str(dataset["namespace"]), str(dataset["name"]))
            self.impact_seconds.observe(time.perf_counter() - began)
        self.seconds.set(time.perf_counter() - started)
        self.last_success.set(self._clock())
        return snapshot

    def _snapshot(self, tx: Tx, now_us: int) -> q.Snapshot:
        labels = [str(r["label"]) for r in tx.query(q.LABELS)]
        types = [str(r["type"]) for r in tx.query(q.RELATIONSHIP_TYPES)]
        return q.Snapshot(
            namespaces=q.namespace_rows(tx.query(q.DATASET_QUALITY), self._top),
            stuck_runs=q.capped_counts(tx.query(q.STUCK_RUNS, before_us=now_us - self._stuck_after_us), self._top),
            silent_jobs=q.capped_counts(tx.query(q.SILENT_JOBS, now_us=now_us, factor=self._silent_factor), self._top),
            nodes={label: int(tx.query(q.count_nodes(label))[0]["count"]) for label in labels},
            relationships={t: int(tx.query(q.count_relationships(t))[0]["count"]) for t in types},
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop; a computation in flight is not waited for (shutdown must stay quick)."""
        self._stop.set()
        self._thread.join(timeout=1.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.compute()
            except Exception as error:  # noqa: BLE001 - whatever failed, the last figures stay and we try again
                if self._stop.is_set():
                    return
                self.failures.inc()
                log.warning("coverage computation failed (%s: %s); keeping the last figures",
                            type(error).__name__, error)
            if self._stop.wait(self._interval_s):
                return
