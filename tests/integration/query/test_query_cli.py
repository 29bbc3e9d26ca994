"""The query commands against the known graph: any spelling, aliases both ways, formats, caps, as-of."""

from __future__ import annotations

import json

import neo4j
import pytest

from known_graph import ALIASES, HUB_READERS, load
from lineage_stream.cli import main

pytestmark = pytest.mark.integration

PG = "postgres://orders-db.internal:5432"


@pytest.fixture(scope="module")
def cli(services):
    driver = neo4j.GraphDatabase.driver(services.neo4j_uri, auth=(services.neo4j_user, services.neo4j_password))
    load(services, driver)
    driver.close()
    env = {"LINEAGE_NEO4J_URI": services.neo4j_uri, "LINEAGE_NEO4J_USER": services.neo4j_user,
           "LINEAGE_NEO4J_PASSWORD": services.neo4j_password}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        yield main


def run(cli, capsys, *argv: str) -> tuple[int, str, str]:
    code = cli(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def lineage_json(cli, capsys, *argv: str) -> dict:
    code, out, err = run(cli, capsys, "lineage", *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("spelling", [
    ["postgresql://analyst:s3cret@Orders-DB.INTERNAL:5432/shop.public.orders"],  # credentials, odd case, scheme alias
    ["postgresql://Orders-DB.internal", "shop.public.orders"],  # namespace and name apart, default port
    ["jdbc:postgresql://orders-db.internal:5432/shop?ssl=true", "public.orders"],  # a JDBC URL and its table
    ["shop.public.orders"],  # a bare name, unique across namespaces
    ["dataset:postgres://orders-db.internal:5432:shop.public.orders"],  # a Marquez node ID
])
def test_any_spelling_resolves_to_the_canonical_dataset(cli, capsys, spelling) -> None:
    answer = lineage_json(cli, capsys, "downstream", *spelling, "--depth", "1")
    assert answer["resolved"]["dataset"] == {"namespace": PG, "name": "shop.public.orders"}
    assert [e["target"]["name"] for e in answer["edges"]] == ["raw/orders"]


def test_alias_map_and_partition_paths_resolve(cli, capsys) -> None:
    replica = "postgres://orders-db-replica.internal:5432/shop.public.orders"
    code, _, err = run(cli, capsys, "lineage", "both", replica)
    assert code == 2 and "no dataset matches" in err and f"{PG} shop.public.orders" in err  # nearest match named
    answer = lineage_json(cli, capsys, "both", replica, "--aliases", str(ALIASES))
    assert answer["resolved"]["dataset"]["name"] == "shop.public.orders"
    partition = lineage_json(cli, capsys, "upstream", "s3a://lake/raw/orders/dt=2026-11-20/", "--depth", "1")
    assert partition["resolved"]["dataset"] == {"namespace": "s3://lake", "name": "raw/orders"}


def test_table_output_says_what_it_resolved_to(cli, capsys) -> None:
    code, out, _ = run(cli, capsys, "lineage", "both", "s3://lake/curated/orders_enriched")
    assert code == 0
    assert out.splitlines()[0].startswith("resolved 's3://lake/curated/orders_enriched' to s3://lake curated/orders_enriched")
    assert "upstream (3 edge(s), depth 5)" in out and "--[spark-prod enrich_orders]-->" in out


def test_unknown_dataset_names_the_nearest(cli, capsys) -> None:
    code, _, err = run(cli, capsys, "lineage", "both", "s3://lake/curated/order_enrich")
    assert code == 2
    assert "no dataset matches 's3://lake/curated/order_enrich'; nearest: s3://lake curated/orders_enriched" in err


def test_aliases_are_followed_both_ways(cli, capsys) -> None:
    # lineage reached s3://legacy-lake orders_enriched_v1 before it was declared an alias
    canonical = lineage_json(cli, capsys, "downstream", "s3://lake", "curated/orders_enriched")
    assert {"namespace": "s3://legacy-lake", "name": "orders_enriched_v1"} in canonical["resolved"]["aliases"]
    assert {e["target"]["name"] for e in canonical["edges"]} == {"ANALYTICS.MARTS.REVENUE_DAILY", "ml/order_scores"}
    alias = lineage_json(cli, capsys, "upstream", "s3://legacy-lake", "orders_enriched_v1", "--depth", "1")
    assert alias["resolved"]["dataset"] == {"namespace": "s3://lake", "name": "curated/orders_enriched"}
    assert [e["source"]["name"] for e in alias["edges"]] == ["raw/orders"]


def test_as_of_uses_first_seen_times(cli, capsys) -> None:
    now = lineage_json(cli, capsys, "downstream", "shop.public.customers")
    then = lineage_json(cli, capsys, "downstream", "shop.public.customers", "--as-of", "2026-11-21")
    assert "exports/contacts" in {e["target"]["name"] for e in now["edges"]}
    assert {e["target"]["name"] for e in then["edges"]} == {"raw/orders", "curated/orders_enriched",
                                                            "ANALYTICS.MARTS.REVENUE_DAILY"}
    assert then["as_of"] == "2026-11-21T00:00:00Z"
    code, _, err = run(cli, capsys, "lineage", "both", "shop.public.customers", "--as-of", "last tuesday")
    assert code == 2 and "cannot read the time" in err


def test_dot_and_mermaid(cli, capsys) -> None:
    _, dot, _ = run(cli, capsys, "lineage", "upstream", "s3://lake/curated/orders_enriched", "--depth", "1",
                    "--format", "dot")
    assert dot.startswith("digraph lineage {") and '"job:spark-prod|enrich_orders" -> "dataset:s3://lake|curated/orders_enriched";' in dot
    _, mermaid, _ = run(cli, capsys, "lineage", "upstream", "s3://lake/curated/orders_enriched", "--depth", "1",
                        "--format", "mermaid")
    assert mermaid.startswith("flowchart LR") and '(["spark-prod<br/>enrich_orders"])' in mermaid


def test_impact_on_a_hub_is_capped_and_reported(cli, capsys) -> None:
    code, out, _ = run(cli, capsys, "impact", "shop.public.currencies", "--limit", "5", "--format", "json")
    capped = json.loads(out)
    assert code == 0 and capped["truncated"] is True and len(capped["datasets"]) == 5
    _, out, _ = run(cli, capsys, "impact", "shop.public.currencies", "--format", "json")
    full = json.loads(out)
    assert full["truncated"] is False and len(full["datasets"]) == HUB_READERS
    assert all(d["producers"][0]["last_run_state"] == "COMPLETE" for d in full["datasets"])
    _, table, _ = run(cli, capsys, "impact", "shop.public.orders")
    assert "hop 1: s3://lake raw/orders  <- airflow-prod nightly_orders.extract_orders [FAIL" in table


def test_columns_both_ways(cli, capsys) -> None:
    code, out, _ = run(cli, capsys, "columns", "s3://lake/curated/orders_enriched", "revenue", "--format", "json")
    answer = json.loads(out)
    assert code == 0
    pairs = {(e["direction"], e["source"]["dataset"] + "." + e["source"]["name"],
              e["target"]["dataset"] + "." + e["target"]["name"], e["transformation"]) for e in answer["edges"]}
    assert pairs == {("upstream", "raw/orders.amount", "curated/orders_enriched.revenue", "DIRECT"),
                     ("downstream", "curated/orders_enriched.revenue", "ANALYTICS.MARTS.REVENUE_DAILY.revenue", "DIRECT")}
    code, _, err = run(cli, capsys, "columns", "s3://lake/curated/orders_enriched", "revenu")
    assert code == 2 and "has no field 'revenu'" in err and "revenue" in err


def test_runs_with_state_and_since(cli, capsys) -> None:
    job = ["airflow-prod", "nightly_orders.extract_orders"]
    _, out, _ = run(cli, capsys, "runs", *job, "--format", "json")
    assert [r["state"] for r in json.loads(out)["runs"]] == ["FAIL", "COMPLETE"]
    _, out, _ = run(cli, capsys, "runs", *job, "--state", "fail", "--format", "json")
    assert [r["run_id"][-3:] for r in json.loads(out)["runs"]] == ["101"]
    _, out, _ = run(cli, capsys, "runs", "nightly_orders.extract_orders", "--since", "2026-11-22", "--format", "json")
    assert json.loads(out)["runs"] == []
    code, _, err = run(cli, capsys, "runs", "nightly_orders.extract_order")
    assert code == 2 and "nearest: airflow-prod nightly_orders.extract_orders" in err


def test_schema_changes_since(cli, capsys) -> None:
    _, out, _ = run(cli, capsys, "schema", "s3://lake/curated/orders_enriched", "--format", "json")
    versions = json.loads(out)["versions"]
    assert len(versions) == 2
    _, out, _ = run(cli, capsys, "schema", "s3://lake/curated/orders_enriched", "--since", "2026-11-21", "--format", "json")
    [change] = json.loads(out)["versions"]
    assert (change["added"], change["removed"], change["retyped"]) == (["discount"], [], ["revenue"])


def test_search(cli, capsys) -> None:
    _, out, _ = run(cli, capsys, "search", "ORDERS_ENR", "--format", "json")
    assert [(h["kind"], h["name"]) for h in json.loads(out)] == [("dataset", "orders_enriched_v1"),
                                                                 ("dataset", "curated/orders_enriched")]
