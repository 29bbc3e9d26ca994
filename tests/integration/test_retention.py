"""Run retention against real Neo4j while a real worker writes: old runs fold into per-job buckets and
every job's totals (runs, failures, datasets touched) are exactly what was sent, before and after."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone

import pytest
from confluent_kafka import Producer

from lineage_stream.adapters.governance_store import RetentionStore
from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.app import run_worker
from lineage_stream.governance.retention import RetentionRule
from conftest import settings_for

pytestmark = pytest.mark.integration

JOBS, OLD_RUNS, NEW_RUNS, KEEP_LAST = 3, 300, 600, 10
DAY_US = 86_400_000_000


def _iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def run_events(tag: str, index: int, start_us: int, generation: str) -> list[dict]:
    job = f"job_{index % JOBS}"
    failed = index % 7 == 0
    run = {"runId": f"0190b0b1-0000-7000-8{generation}00-{tag[:4]}{index:08d}", "facets": {}}
    base = {"producer": "https://example.com/t", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json",
            "run": run, "job": {"namespace": f"retention-{tag}", "name": job, "facets": {}},
            "inputs": [{"namespace": f"postgres://db-{tag}:5432", "name": f"shop.public.t{index % 5}"}]}
    end = {**base, "eventType": "FAIL" if failed else "COMPLETE", "eventTime": _iso(start_us + 1_000_000 * (1 + index % 90)),
           "outputs": [{"namespace": f"s3://mart-{tag}", "name": f"{generation}/out{index % 2}"}]}
    return [{**base, "eventType": "START", "eventTime": _iso(start_us), "outputs": []}, end]


def expected_totals(tag: str, generations: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int, int]]:
    """Per job: runs, failed, datasets touched, for runs ``range(first, last)`` of each generation."""
    out = {}
    for j in range(JOBS):
        runs = [(g, i) for g, (first, last) in generations.items() for i in range(first, last) if i % JOBS == j]
        touched = {f"t{i % 5}" for _, i in runs} | {f"{g}/out{i % 2}" for g, i in runs}
        out[f"job_{j}"] = (len(runs), sum(1 for _, i in runs if i % 7 == 0), len(touched))
    return out


def _totals(store: RetentionStore, tag: str) -> dict[str, tuple[int, int, int]]:
    return {name: (t.runs, t.failed, t.datasets_touched) for (ns, name), t in store.totals().items()
            if ns == f"retention-{tag}"}


def test_retention_keeps_totals_while_the_worker_writes(services, graph, unique):
    settings = settings_for(services, unique)
    topic = settings.kafka.openlineage_topics[0]
    producer = Producer({"bootstrap.servers": services.kafka_bootstrap, "linger.ms": 20})
    old_start = int(datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp() * 1e6)
    for i in range(OLD_RUNS):
        for event in run_events(unique, i, old_start + i * 3_600_000_000, "1"):
            producer.produce(topic, json.dumps(event).encode(), key=str(i).encode())
    assert producer.flush(30) == 0
    assert run_worker(settings, until_idle=True, serve_metrics=False, metrics=WorkerMetrics())["written"] == 2 * OLD_RUNS

    store = RetentionStore(settings.neo4j)
    store.ensure_schema()
    before = _totals(store, unique)
    assert before == expected_totals(unique, {"1": (0, OLD_RUNS)})

    # New runs arrive while retention runs: the worker writes them in its own thread.
    now_us = time.time_ns() // 1000
    for i in range(OLD_RUNS, OLD_RUNS + NEW_RUNS):
        for event in run_events(unique, i, now_us - 3_600_000_000 + i * 1_000, "2"):
            producer.produce(topic, json.dumps(event).encode(), key=str(i).encode())
    assert producer.flush(30) == 0
    totals: dict[str, int] = {}
    # Small batches: the worker commits many transactions while retention runs, not one at the end.
    writer_settings = settings_for(services, unique, LINEAGE_BATCH_SIZE="40")
    worker = threading.Thread(target=lambda: totals.update(
        run_worker(writer_settings, until_idle=True, serve_metrics=False, metrics=WorkerMetrics())))
    worker.start()
    deadline = time.monotonic() + 60
    count_new = "MATCH (r:Run) WHERE r.run_id CONTAINS '-8200-' RETURN count(r) AS n"
    while graph.execute_query(count_new).records[0]["n"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    new_at_start = graph.execute_query(count_new).records[0]["n"]
    report = store.run_retention(RetentionRule(7 * DAY_US, KEEP_LAST), now_us=now_us, chunk=50)
    retention_s = time.monotonic() - started
    new_at_end = graph.execute_query(count_new).records[0]["n"]
    worker.join(120)
    assert totals.get("written") == 2 * NEW_RUNS, totals

    after = _totals(store, unique)
    detail = graph.execute_query("MATCH (:Job {namespace: $ns})-[:HAS_RUN]->(r:Run) RETURN count(r) AS n",
                                 ns=f"retention-{unique}").records[0]["n"]
    buckets = graph.execute_query("MATCH (b:RunBucket {job_namespace: $ns}) RETURN count(b) AS n, sum(b.runs) AS runs",
                                  ns=f"retention-{unique}").records[0]
    store.close()
    print(f"\nretention: {report.runs_folded} old runs folded into {buckets['n']} buckets in {retention_s:.2f} s "
          f"while the worker wrote new runs ({new_at_start} -> {new_at_end} of {NEW_RUNS} during it); runs in detail "
          f"{OLD_RUNS} -> {detail - NEW_RUNS} old + {NEW_RUNS} new; totals before {before}, after {after}")
    assert new_at_start < new_at_end, "the worker did not write while retention ran"
    assert report.runs_folded == OLD_RUNS  # every old run is a week old and none of the last 10 of its job
    assert buckets["runs"] == OLD_RUNS and detail == NEW_RUNS
    assert after == expected_totals(unique, {"1": (0, OLD_RUNS), "2": (OLD_RUNS, OLD_RUNS + NEW_RUNS)})
