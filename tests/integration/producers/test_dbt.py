"""dbt as a real producer: ``dbt-ol`` runs a small project on DuckDB and sends OpenLineage events
through the Kafka transport configured by ``examples/openlineage.yml`` to a topic of the test's own;
the real worker writes them into Neo4j.

Both of dbt-ol's modes run: the default (events built from dbt's artifacts after each command) and
``--consume-structured-logs`` (events from dbt's structured logs while it runs). What each mode sends
and leaves out is in docs/openlineage.md; the assertions below pin it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.app import run_worker
from conftest import settings_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
PRODUCERS = ROOT / ".local" / "producers-venv" / "bin"
PROJECT = Path(__file__).resolve().parent / "dbt_shop"
EXAMPLE = ROOT / "examples" / "openlineage.yml"

if not (PRODUCERS / "dbt-ol").exists():
    pytest.skip(f"dbt-ol is not installed in {PRODUCERS.relative_to(ROOT)}: run `make producers` (make test does)",
                allow_module_level=True)

MODELS = {  # model → its upstreams, as dbt's refs say
    "stg_customers": {"raw_customers"},
    "stg_orders": {"raw_orders"},
    "customer_orders": {"stg_customers", "stg_orders"},
    "country_revenue": {"customer_orders"},
}
SEEDS = {"raw_customers", "raw_orders"}
COLUMN_LINEAGE = {  # (source dataset, field, target dataset, field), a selection with renames and joins
    ("raw_customers", "id", "stg_customers", "customer_id"),
    ("raw_customers", "country_code", "stg_customers", "country"),
    ("raw_orders", "user_id", "stg_orders", "customer_id"),
    ("raw_orders", "amount_cents", "stg_orders", "amount"),
    ("stg_customers", "country", "customer_orders", "country"),
    ("stg_orders", "amount", "customer_orders", "total_amount"),
    ("stg_orders", "order_id", "customer_orders", "order_count"),
    ("customer_orders", "total_amount", "country_revenue", "revenue"),
}


def _dbt(workdir: Path, env: dict[str, str], *args: str) -> int:
    """Run ``dbt-ol ARGS``; the number of events it says it emitted."""
    done = subprocess.run([str(PRODUCERS / "dbt-ol"), *args], cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=180)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    emitted = [line for line in output.splitlines() if "Emitted" in line and "OpenLineage events" in line]
    assert emitted, output[-3000:]
    return int(emitted[-1].split("Emitted")[1].split()[0])


def _produce(tmp: Path, topic: str, bootstrap: str, job_namespace: str, structured: bool) -> dict[str, int]:
    workdir = tmp / "shop"
    shutil.copytree(PROJECT, workdir, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    config = EXAMPLE.read_text().replace("topic: openlineage ", f"topic: {topic} ", 1)
    config = config.replace("bootstrap.servers: 127.0.0.1:9092", f"bootstrap.servers: {bootstrap}", 1)
    assert f"topic: {topic}" in config and bootstrap in config
    (tmp / "openlineage.yml").write_text(config)
    env = {**os.environ, "PATH": f"{PRODUCERS}{os.pathsep}{os.environ['PATH']}",
           "OPENLINEAGE_CONFIG": str(tmp / "openlineage.yml"), "OPENLINEAGE_NAMESPACE": job_namespace,
           "DBT_PROFILES_DIR": str(workdir), "SHOP_DUCKDB_PATH": str(tmp / "shop.duckdb"),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    mode = ["--consume-structured-logs"] if structured else []
    return {command: _dbt(workdir, env, command, *mode) for command in ("seed", "run", "test")}


def _rows(graph: Any, query: str, **params: Any) -> set[tuple[Any, ...]]:
    records, _, _ = graph.execute_query(query, **params)
    return {tuple(tuple(v) if isinstance(v, list) else v for v in r.values()) for r in records}


def _check_graph(graph: Any, namespace: str, *, seeds_as_inputs: bool, column_lineage: bool) -> None:
    def short(name: str) -> str:
        return name.rsplit(".", 1)[-1]

    datasets = {short(n) for (n,) in _rows(graph, "MATCH (d:Dataset {namespace: $ns}) RETURN d.name", ns=namespace)}
    assert set(MODELS) <= datasets
    upstream: dict[str, set[str]] = {}
    for source, target in _rows(graph, "MATCH (a:Dataset {namespace: $ns})-[:INPUT_TO]->(:Job)-[:OUTPUTS]->"
                                       "(b:Dataset {namespace: $ns}) RETURN a.name, b.name", ns=namespace):
        upstream.setdefault(short(target), set()).add(short(source))
    expected = {m: (ups if seeds_as_inputs else ups - SEEDS) for m, ups in MODELS.items()}
    assert {m: upstream.get(m, set()) for m in MODELS} == expected

    edges = {(short(a), fa, short(b), fb) for a, fa, b, fb in _rows(
        graph, "MATCH (a:Field {namespace: $ns})-[:FLOWS_TO]->(b:Field {namespace: $ns}) "
               "RETURN a.dataset, a.name, b.dataset, b.name", ns=namespace)}
    if column_lineage:
        assert COLUMN_LINEAGE <= edges
    else:
        assert not edges

    # The facets of a model's run and of its tests accumulate on the dataset (issue 13).
    facets = {short(name): keys for name, keys in _rows(
        graph, "MATCH (d:Dataset {namespace: $ns}) "
               "RETURN d.name, [k IN keys(d) WHERE k STARTS WITH 'facet_' | substring(k, 6)]", ns=namespace)}
    for model in MODELS:
        assert {"documentation", "dataSource", "dbt_model", "dataQualityAssertions"} <= set(facets[model]), model
    (description,) = _rows(graph, "MATCH (d:Dataset {namespace: $ns}) WHERE d.name ENDS WITH '.stg_orders' "
                                  "RETURN d.facet_documentation", ns=namespace)
    assert "One row per order" in description[0]
    (field,) = _rows(graph, "MATCH (:Dataset {namespace: $ns})-[:HAS_FIELD]->(f:Field {name: 'amount'}) "
                            "WHERE f.dataset ENDS WITH '.stg_orders' RETURN f.description", ns=namespace)
    assert field == ("Order amount (cents / 100).",)
    # In the default mode the test results also land on the test run's READ_BY edge, as the input
    # facet dbt sends; the structured-logs mode sends them as a dataset facet only.
    on_edges = _rows(graph, "MATCH (d:Dataset {namespace: $ns})-[e:READ_BY]->(:Run) "
                            "WHERE e.facet_dataQualityAssertions IS NOT NULL RETURN count(DISTINCT d)", ns=namespace)
    assert on_edges == {(0 if seeds_as_inputs else 4,)}



@pytest.mark.parametrize("structured", [False, True], ids=["default", "structured-logs"])
def test_dbt_through_kafka_into_the_graph(services, graph, unique, tmp_path, structured):
    settings = settings_for(services, unique)
    topic = settings.kafka.openlineage_topics[0]
    job_namespace = f"dbt-{unique}"
    started = time.monotonic()
    emitted = _produce(tmp_path, topic, services.kafka_bootstrap, job_namespace, structured)
    produced = time.monotonic()
    metrics = WorkerMetrics()
    totals = run_worker(settings, until_idle=True, serve_metrics=False, metrics=metrics)
    consumed = time.monotonic()
    total = sum(emitted.values())
    assert totals["consumed"] == total and totals["rejected"] == 0, (emitted, totals)
    assert totals["written"] + totals["duplicates"] == total
    # DuckDB identifiers have no naming rule: counted under their own scheme, not "other".
    assert (metrics.registry.get_sample_value("lineage_identifiers_unrecognized_total", {"scheme": "duckdb"}) or 0) > 0
    assert metrics.registry.get_sample_value("lineage_identifiers_unrecognized_total", {"scheme": "other"}) is None

    namespace = f"duckdb://{tmp_path / 'shop.duckdb'}"
    _check_graph(graph, namespace, seeds_as_inputs=structured, column_lineage=not structured)
    jobs = _rows(graph, "MATCH (j:Job {namespace: $ns}) RETURN count(j)", ns=job_namespace)
    runs = _rows(graph, "MATCH (:Job {namespace: $ns})-[:HAS_RUN]->(r:Run) RETURN count(DISTINCT r)", ns=job_namespace)
    datasets = _rows(graph, "MATCH (d:Dataset {namespace: $ns}) RETURN count(d)", ns=namespace)
    fields = _rows(graph, "MATCH (:Dataset {namespace: $ns})-[:HAS_FIELD]->(f) RETURN count(f)", ns=namespace)
    flows = _rows(graph, "MATCH (a:Field {namespace: $ns})-[e:FLOWS_TO]->() RETURN count(e)", ns=namespace)
    print(f"\ndbt ({'structured logs' if structured else 'default'}): events emitted {emitted}, worker {totals}; "
          f"graph: datasets {datasets}, jobs {jobs}, runs {runs}, fields {fields}, column edges {flows}; "
          f"dbt {produced - started:.1f}s, worker {consumed - produced:.1f}s")

    # A second pass over the same topic from the start changes nothing: every event is already applied.
    again = run_worker(settings_for(services, unique, LINEAGE_GROUP_ID=f"again-{unique}"), until_idle=True,
                       serve_metrics=False)
    assert again["written"] == 0 and again["duplicates"] == total
