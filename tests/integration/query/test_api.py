"""The HTTP API over the known graph (real Neo4j, the app in-process through httpx)."""

from __future__ import annotations

import neo4j
import pytest
from fastapi.testclient import TestClient

from known_graph import load
from lineage_stream.api.app import create_app
from lineage_stream.query.store import GraphReader
from lineage_stream.settings import Neo4jSettings

pytestmark = pytest.mark.integration

PG = "postgres://orders-db.internal:5432"


@pytest.fixture(scope="module")
def client(services):
    driver = neo4j.GraphDatabase.driver(services.neo4j_uri, auth=(services.neo4j_user, services.neo4j_password))
    load(services, driver)
    driver.close()
    settings = Neo4jSettings(services.neo4j_uri, services.neo4j_user, services.neo4j_password, "neo4j")
    with GraphReader(settings, timeout_s=10) as reader:
        yield TestClient(create_app(reader))


def test_lineage_json(client) -> None:
    answer = client.get("/api/lineage", params={"dataset": "postgresql://Orders-DB.internal/shop.public.orders",
                                                "direction": "downstream", "depth": 2}).json()
    assert answer["resolved"]["dataset"] == {"namespace": PG, "name": "shop.public.orders"}
    assert [(e["hop"], e["target"]["name"]) for e in answer["edges"]] == [(1, "raw/orders"), (2, "curated/orders_enriched")]


def test_marquez_lineage_shape(client) -> None:
    response = client.get("/api/v1/lineage", params={"nodeId": "dataset:s3://lake:raw/orders", "depth": 1})
    assert response.status_code == 200
    graph = {node["id"]: node for node in response.json()["graph"]}
    assert set(graph) == {
        "dataset:s3://lake:raw/orders", f"dataset:{PG}:shop.public.orders", f"dataset:{PG}:shop.public.customers",
        "dataset:s3://lake:curated/orders_enriched", "job:airflow-prod:nightly_orders.extract_orders",
        "job:spark-prod:enrich_orders",
        "dataset:s3://legacy-lake:orders_enriched_v1"}  # reached as an alias of curated/orders_enriched
    raw = graph["dataset:s3://lake:raw/orders"]
    assert raw["type"] == "DATASET" and raw["data"]["id"] == {"namespace": "s3://lake", "name": "raw/orders"}
    assert raw["data"]["createdAt"] == "2026-11-20T02:03:10Z"  # first seen
    assert raw["data"]["updatedAt"] >= raw["data"]["createdAt"]
    assert raw["inEdges"] == [{"origin": "job:airflow-prod:nightly_orders.extract_orders",
                               "destination": "dataset:s3://lake:raw/orders"}]
    assert raw["outEdges"] == [{"origin": "dataset:s3://lake:raw/orders", "destination": "job:spark-prod:enrich_orders"}]
    job = graph["job:spark-prod:enrich_orders"]
    assert job["type"] == "JOB" and job["data"]["inputs"] == [{"namespace": "s3://lake", "name": "raw/orders"}]
    assert job["data"]["outputs"] == [{"namespace": "s3://lake", "name": "curated/orders_enriched"}]


def test_marquez_job_node(client) -> None:
    """A job's node ID: its inputs and outputs, then upstream of the inputs and downstream of the outputs."""
    near = {node["id"]: node for node in client.get("/api/v1/lineage", params={
        "nodeId": "job:spark-prod:enrich_orders", "depth": 1}).json()["graph"]}
    assert set(near) == {"job:spark-prod:enrich_orders", "dataset:s3://lake:raw/orders",
                         "dataset:s3://lake:curated/orders_enriched"}
    job = near["job:spark-prod:enrich_orders"]
    assert job["inEdges"] == [{"origin": "dataset:s3://lake:raw/orders", "destination": "job:spark-prod:enrich_orders"}]
    assert job["data"]["outputs"] == [{"namespace": "s3://lake", "name": "curated/orders_enriched"}]
    wide = {node["id"] for node in client.get("/api/v1/lineage", params={
        "nodeId": "job:spark-prod:enrich_orders", "depth": 2}).json()["graph"]}
    assert {"job:airflow-prod:nightly_orders.extract_orders", f"dataset:{PG}:shop.public.orders"} <= wide
    assert wide > set(near)


def test_errors_are_clear(client) -> None:
    missing = client.get("/api/lineage", params={"dataset": "s3://lake/curated/order_enrich"})
    assert missing.status_code == 404
    assert missing.json()["suggestions"][0] == "s3://lake curated/orders_enriched"
    assert client.get("/api/lineage", params={"dataset": "shop.public.orders", "depth": 99}).status_code == 400
    assert client.get("/api/v1/lineage", params={"nodeId": "field:s3://lake:raw/orders:id"}).status_code == 400
    assert client.get("/api/v1/lineage", params={"nodeId": "job:spark-prod:enrich_order"}).status_code == 404
    assert client.get("/api/runs", params={"job": "nightly_orders.extract_orders", "since": "whenever"}).status_code == 400
    assert client.get("/api/lineage", params={"dataset": "  "}).json()["message"] == "the dataset must not be blank"
    assert client.get("/api/lineage", params={"dataset": "s3://x/" + "y" * 9000}).status_code == 400
    assert client.get("/api/lineage", params={"dataset": "s3://lake/\x00\x07raw"}).status_code == 404


def test_other_queries(client) -> None:
    assert client.get("/api/impact", params={"dataset": "shop.public.currencies", "limit": 3}).json()["truncated"] is True
    runs = client.get("/api/runs", params={"job": "nightly_orders.extract_orders", "state": "FAIL"}).json()
    assert [r["state"] for r in runs["runs"]] == ["FAIL"]
    schema = client.get("/api/schema", params={"dataset": "s3://lake/curated/orders_enriched"}).json()
    assert schema["versions"][-1]["added"] == ["discount"]
    columns = client.get("/api/columns", params={"dataset": "s3://lake/exports/contacts", "field": "email"}).json()
    assert [e["source"]["dataset"] for e in columns["edges"]] == ["shop.public.customers"]
    found = client.get("/api/search", params={"q": "currencies"}).json()["results"]
    assert [r["name"] for r in found] == ["shop.public.currencies"]


def test_read_only(client) -> None:
    assert client.post("/api/lineage", params={"dataset": "shop.public.orders"}).status_code == 405
    assert client.get("/").headers["content-type"].startswith("text/html")


def test_a_runaway_query_is_stopped_by_the_timeout(services) -> None:
    from lineage_stream.query.errors import QueryTimeout

    settings = Neo4jSettings(services.neo4j_uri, services.neo4j_user, services.neo4j_password, "neo4j")
    with GraphReader(settings, timeout_s=0.5) as reader:
        with pytest.raises(QueryTimeout, match="ran past 0.5 s"):
            reader.read(lambda tx: tx.query("UNWIND range(1, 1000000000) AS x WITH x WHERE x % 7 = 0 RETURN count(*) AS n"))
