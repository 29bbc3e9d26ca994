"""Query latency at scale: 100,000 datasets and 1,000,000 job-level lineage edges, loaded straight into
Neo4j with ``UNWIND`` batches, then the query commands' own code path timed against it.

    python -m lineage_stream_dev.bench.query_latency [--samples 200] [--reload] [--drop]

The generated graph is layered like a warehouse: 1,000 shared "hub" tables (dimensions, currencies)
with no producer; 99,000 datasets in 10 layers, layer 0 raw sources; 180,000 jobs, each writing one
dataset of layers 1-9 (about two producers per dataset), reading one dataset of the layer below and
3-4 distinct hubs picked with a heavy skew (hub 0 is read by tens of thousands of jobs). That is
180,000 OUTPUTS + 820,000 INPUT_TO = 1,000,000 lineage edges. Seeded: every run builds the same graph.

Reported: upstream and downstream to depth 5 through ``lineage_stream.query.service.lineage`` (dataset
resolution included, read transaction, one statement per hop), p50/p95/p99/max over random datasets;
and impact and downstream lineage on the busiest hub, which the row limit bounds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from typing import Any, Callable, Iterator, Sequence

import neo4j

from lineage_stream.adapters.neo4j_sink import open_driver
from lineage_stream.graph.cypher import SCHEMA
from lineage_stream.query import service
from lineage_stream.query.model import Impact, Lineage
from lineage_stream.query.store import GraphReader
from lineage_stream.settings import neo4j_settings

HUB_NS, LAKE_NS, JOB_NS = "bench-query://hubs", "bench-query://lake", "bench-query-jobs"
HUBS, LAYERS, PER_LAYER, JOBS = 1_000, 10, 9_900, 180_000
DATASETS = HUBS + LAYERS * PER_LAYER
T0_US = 1_780_000_000_000_000
BATCH = 20_000
SEED = 20261128


def _hub_name(i: int) -> str:
    return f"dim.hub_{i:04d}"


def _lake_name(layer: int, i: int) -> str:
    return f"layer{layer}/table_{i:05d}"


def _jobs(rng: random.Random) -> Iterator[dict[str, Any]]:
    for j in range(JOBS):
        layer = 1 + j % (LAYERS - 1)
        target = (j // (LAYERS - 1)) % PER_LAYER
        main = rng.randrange(PER_LAYER)
        hubs: set[int] = set()
        want = 4 if j < 100_000 else 3
        while len(hubs) < want:
            hubs.add(int(HUBS * rng.random() ** 3))  # heavy skew toward hub 0
        at = T0_US + j * 1_000_000
        yield {"job": f"job_{j:06d}", "out": _lake_name(layer, target), "main": _lake_name(layer - 1, main),
               "hubs": [_hub_name(h) for h in sorted(hubs)], "at": at}


def _batches(items: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


CREATE_DATASETS = """
UNWIND $rows AS row
CREATE (:Dataset {namespace: row.ns, name: row.name, first_seen_us: $at, last_seen_us: $at, naming_rule: 'bench'})
"""

CREATE_JOBS = """
UNWIND $rows AS row
CREATE (j:Job {namespace: $job_ns, name: row.job, first_seen_us: row.at, last_seen_us: row.at})
WITH j, row
MATCH (o:Dataset {namespace: $lake_ns, name: row.out})
MATCH (m:Dataset {namespace: $lake_ns, name: row.main})
CREATE (j)-[:OUTPUTS {run_count: 1, first_seen_us: row.at, last_seen_us: row.at}]->(o)
CREATE (m)-[:INPUT_TO {run_count: 1, first_seen_us: row.at, last_seen_us: row.at}]->(j)
WITH j, row
UNWIND row.hubs AS hub
MATCH (h:Dataset {namespace: $hub_ns, name: hub})
CREATE (h)-[:INPUT_TO {run_count: 1, first_seen_us: row.at, last_seen_us: row.at}]->(j)
"""

COUNT = """
MATCH (d:Dataset) WHERE d.namespace IN [$hub_ns, $lake_ns] WITH count(d) AS datasets
OPTIONAL MATCH (:Job {namespace: $job_ns, name: 'job_179999'}) RETURN datasets, count(*) AS last_job
"""

EDGES = """
MATCH (j:Job {namespace: $job_ns})
RETURN sum(COUNT { (j)-[:OUTPUTS]->() }) + sum(COUNT { ()-[:INPUT_TO]->(j) }) AS edges, count(j) AS jobs
"""


def _session_run(driver: neo4j.Driver, statement: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(statement, parameters_=params)
    return [r.data() for r in records]


def drop(driver: neo4j.Driver) -> None:
    """Delete the generated graph: edges first, in batches (a hub's 50,000 edges in one go exceed the
    transaction memory of a small heap), then the nodes."""
    with driver.session() as session:
        session.run("MATCH (j:Job {namespace: $ns})-[r]-() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS",
                    ns=JOB_NS).consume()
        for label, ns in (("Job", [JOB_NS]), ("Dataset", [HUB_NS, LAKE_NS])):
            session.run(f"MATCH (n:{label}) WHERE n.namespace IN $ns "
                        "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS", ns=ns).consume()


def load(driver: neo4j.Driver, *, reload: bool = False, say: Any = print) -> dict[str, Any]:
    """Build the graph unless it is already there; returns the counts and the load time."""
    params = {"hub_ns": HUB_NS, "lake_ns": LAKE_NS, "job_ns": JOB_NS}
    present = _session_run(driver, COUNT, **params)[0]
    if present["datasets"] == DATASETS and present["last_job"] == 1 and not reload:
        say("graph already loaded")
        return {"load_s": None, **_session_run(driver, EDGES, job_ns=JOB_NS)[0]}
    if present["datasets"]:
        say("dropping a partial graph")
        drop(driver)
    for statement in SCHEMA:
        driver.execute_query(statement)
    started = time.perf_counter()
    rows = [{"ns": HUB_NS, "name": _hub_name(i)} for i in range(HUBS)]
    rows += [{"ns": LAKE_NS, "name": _lake_name(layer, i)} for layer in range(LAYERS) for i in range(PER_LAYER)]
    for batch in _batches(iter(rows)):
        driver.execute_query(CREATE_DATASETS, rows=batch, at=T0_US)
    say(f"{len(rows):,} datasets in {time.perf_counter() - started:.1f} s")
    rng = random.Random(SEED)
    for n, batch in enumerate(_batches(_jobs(rng), 5_000), 1):
        driver.execute_query(CREATE_JOBS, parameters_={"rows": batch, **params})
        if n % 6 == 0:
            say(f"  {n * 5_000:,} jobs, {time.perf_counter() - started:.0f} s")
    load_s = time.perf_counter() - started
    counts = _session_run(driver, EDGES, job_ns=JOB_NS)[0]
    say(f"loaded {counts['jobs']:,} jobs and {counts['edges']:,} lineage edges in {load_s:.0f} s")
    return {"load_s": load_s, **counts}


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1],
            "mean": statistics.fmean(ordered)}


def _size(answer: Impact | Lineage) -> tuple[int, bool, int]:
    rows = len(answer.rows) if isinstance(answer, Impact) else len(answer.edges)
    return rows, answer.truncated, answer.limit


def measure(reader: GraphReader, *, samples: int, depth: int = 5, say: Any = print) -> dict[str, Any]:
    rng = random.Random(SEED + 1)
    results: dict[str, Any] = {}
    plans = {
        "upstream": [(LAKE_NS, _lake_name(rng.randrange(5, LAYERS), rng.randrange(PER_LAYER))) for _ in range(samples)],
        "downstream": [(LAKE_NS, _lake_name(rng.randrange(0, 5), rng.randrange(PER_LAYER))) for _ in range(samples)],
    }
    for direction, targets in plans.items():
        for namespace, name in targets[:20]:  # warm the page cache and the query plans
            service.lineage(reader, namespace, name, direction=direction, depth=depth)
        times, edges, truncated = [], [], 0
        for namespace, name in targets:
            started = time.perf_counter()
            answer = service.lineage(reader, namespace, name, direction=direction, depth=depth)
            times.append((time.perf_counter() - started) * 1000)
            edges.append(len(answer.edges))
            truncated += answer.truncated
        results[direction] = {**_percentiles(times), "samples": len(times), "edges_mean": statistics.fmean(edges),
                              "edges_max": max(edges), "truncated": truncated}
        say(f"{direction:<10} depth {depth}: " + ", ".join(f"{k} {v:.1f} ms" for k, v in _percentiles(times).items())
            + f"; {statistics.fmean(edges):.0f} edges on average, {truncated} truncated")
    hub = _hub_name(0)
    readers = reader.read(lambda tx: tx.query(
        "MATCH (:Dataset {namespace: $ns, name: $name})-[:INPUT_TO]->(j) RETURN count(j) AS n", ns=HUB_NS, name=hub))
    results["hub_readers"] = readers[0]["n"]
    calls: tuple[tuple[str, Callable[[], tuple[int, bool, int]]], ...] = (
        ("hub_impact", lambda: _size(service.impact(reader, HUB_NS, hub, depth=10))),
        ("hub_downstream", lambda: _size(service.lineage(reader, HUB_NS, hub, direction="downstream", depth=depth))),
    )
    for label, call in calls:
        call()
        times = []
        for _ in range(5):
            started = time.perf_counter()
            rows, truncated, limit = call()
            times.append((time.perf_counter() - started) * 1000)
        results[label] = {"median_ms": statistics.median(times), "max_ms": max(times), "rows": rows,
                          "truncated": truncated, "limit": limit}
        say(f"{label}: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms, {rows} rows, "
            f"truncated={truncated} at limit {limit} (hub read by {results['hub_readers']:,} jobs)")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lineage_stream_dev.bench.query_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=200, help="datasets timed per direction (default 200)")
    parser.add_argument("--reload", action="store_true", help="rebuild the generated graph even if present")
    parser.add_argument("--drop", action="store_true", help="delete the generated graph and exit")
    args = parser.parse_args(argv)
    settings = neo4j_settings(os.environ)
    driver = open_driver(settings, notifications_min_severity="OFF")
    try:
        if args.drop:
            drop(driver)
            print("dropped the generated query-latency graph")
            return 0
        counts = load(driver, reload=args.reload)
        print(f"graph: {DATASETS:,} datasets, {counts['jobs']:,} jobs, {counts['edges']:,} lineage edges")
    finally:
        driver.close()
    with GraphReader(settings, timeout_s=30) as reader:
        measure(reader, samples=args.samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
