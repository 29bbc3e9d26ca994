"""The worker's Prometheus metrics, on a registry the app owns (never the global one)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

# Ingestion latency runs from seconds (live) to days (replays); buckets cover both.
_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400, float("inf"))


class WorkerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.consumed = Counter("lineage_events_consumed", "Records consumed from Kafka", ["topic"], registry=r)
        self.written = Counter("lineage_events_written", "Events applied to the graph", ["topic", "kind"], registry=r)
        self.rejected = Counter(
            "lineage_events_rejected", "Records rejected and dead-lettered", ["topic", "stage", "error"], registry=r
        )
        self.duplicates = Counter("lineage_events_duplicate", "Events dropped as duplicates by event ID", ["topic"], registry=r)
        self.facets_dropped = Counter(
            "lineage_facets_dropped", "Malformed facets dropped from otherwise valid events", ["facet"], registry=r
        )
        self.unrecognized_identifiers = Counter(
            "lineage_identifiers_unrecognized", "Dataset identifiers no naming rule recognized, kept as given", ["scheme"], registry=r
        )
        self.ingestion_latency = Histogram(
            "lineage_ingestion_latency_seconds", "From event time to Neo4j commit", buckets=_LATENCY_BUCKETS, registry=r
        )
        self.batch_seconds = Histogram("lineage_batch_write_seconds", "Duration of one Neo4j batch transaction", registry=r)
        self.batch_events = Histogram(
            "lineage_batch_events", "Events per Neo4j batch", buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000), registry=r
        )
        self.sink_retries = Counter("lineage_sink_retries", "Batch writes retried after Neo4j was unavailable", registry=r)
        self.dead_letter_failures = Counter("lineage_dead_letter_failures", "Dead-letter produce failures", registry=r)
        self.consumer_lag = Gauge("lineage_consumer_lag", "Records behind the high watermark", ["topic", "partition"], registry=r)
        self.last_commit = Gauge("lineage_last_commit_timestamp_seconds", "Unix time of the last committed batch", registry=r)
        self.sink_up = Gauge("lineage_sink_up", "1 while Neo4j accepts writes, 0 while it is unavailable", registry=r)
        self._governance_metrics(r)

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
        for (detector, action), count in counts.items():
            self.redactions.labels(detector, action).inc(count)

    def serve(self, host: str, port: int, *, certfile: Path | None = None, keyfile: Path | None = None,
              client_cafile: Path | None = None) -> None:
        """Serve ``/metrics`` on ``host:port`` in a daemon thread: HTTPS with ``certfile`` and ``keyfile``,
        requiring a client certificate signed by ``client_cafile`` when given."""
        if certfile is None or keyfile is None:
            start_http_server(port, addr=host, registry=self.registry)
            return
        start_http_server(port, addr=host, registry=self.registry, certfile=str(certfile), keyfile=str(keyfile),
                          client_cafile=str(client_cafile) if client_cafile else None,
                          client_auth_required=client_cafile is not None)
