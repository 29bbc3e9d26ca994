"""Coverage and quality gauges equal the figures of a known graph, written by a real worker."""

from __future__ import annotations

import pytest

from lineage_stream.adapters.coverage import CoverageMonitor
from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.app import run_worker
from lineage_stream.query.store import GraphReader
from conftest import settings_for
from coverage_graph import known_graph_events, publish_json

pytestmark = pytest.mark.integration


def test_coverage_gauges_equal_the_known_graph(services, graph, unique):
    settings = settings_for(services, unique)
    alpha, beta, jobs = f"alpha-{unique}", f"beta-{unique}", f"jobs-{unique}"
    publish_json(services.kafka_bootstrap, settings.kafka.openlineage_topics[0], known_graph_events(alpha, beta, jobs))
    totals = run_worker(settings, until_idle=True, serve_metrics=False, metrics=WorkerMetrics())
    assert totals == {"consumed": 9, "written": 9, "duplicates": 0, "rejected": 0}

    metrics = WorkerMetrics()
    with GraphReader(settings.neo4j) as reader:
        monitor = CoverageMonitor(reader, metrics.registry, interval_s=60, top_namespaces=1, stuck_after_s=6 * 3600,
                                  silent_factor=3.0, impact_sample=5)
        monitor.compute()
    get = metrics.registry.get_sample_value

    def ns(name: str, namespace: str) -> float | None:
        return get(name, {"namespace": namespace})

    # top_namespaces=1: beta (4 datasets) keeps its name, alpha (3) is summed into `other`.
    assert ns("lineage_datasets", beta) == 4 and ns("lineage_datasets", "other") == 3
    assert ns("lineage_datasets", alpha) is None
    assert ns("lineage_coverage_ratio", beta) == 0.5          # out1, d_out of out1, src1, lonely, d_out
    assert ns("lineage_coverage_ratio", "other") == pytest.approx(2 / 3)  # clean1, mart1 of raw1, clean1, mart1
    assert ns("lineage_datasets_unlinked", beta) == 1          # lonely
    assert ns("lineage_datasets_unlinked", "other") == 0
    assert ns("lineage_column_lineage_ratio", "other") == 0.5  # clean1 of the outputs clean1, mart1
    assert ns("lineage_column_lineage_ratio", beta) == 0
    assert ns("lineage_schema_ratio", "other") == pytest.approx(2 / 3)
    assert ns("lineage_schema_ratio", beta) == 0
    assert ns("lineage_schema_changes", "other") == 1          # mart1 gained a field
    assert ns("lineage_runs_stuck", jobs) == 1                 # C's run, started ten hours ago
    assert ns("lineage_jobs_silent", jobs) == 1                # D: hourly, quiet for 28 hours
    assert get("lineage_graph_nodes", {"label": "Dataset"}) == 7
    assert get("lineage_graph_nodes", {"label": "Job"}) == 4
    assert get("lineage_graph_nodes", {"label": "Run"}) == 7
    assert get("lineage_graph_relationships", {"type": "HAS_RUN"}) == 7
    newest = ns("lineage_namespace_last_event_timestamp_seconds", beta)
    assert newest is not None and newest > 0
    assert get("lineage_impact_query_seconds_count") == 3     # raw1, clean1, src1 have something downstream
    assert get("lineage_coverage_last_success_timestamp_seconds") > 0
