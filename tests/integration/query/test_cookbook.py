"""Every query in docs/cypher-cookbook.md, run against the known graph, its result asserted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import neo4j
import pytest

from known_graph import ROOT, load

pytestmark = pytest.mark.integration

COOKBOOK = ROOT / "docs" / "cypher-cookbook.md"
PG = "postgres://orders-db.internal:5432"


def recipes(path: Path = COOKBOOK) -> dict[str, str]:
    """``<!-- check: NAME -->`` followed by a cypher block, for every recipe in the cookbook."""
    text = path.read_text(encoding="utf-8")
    found = re.findall(r"<!-- check: ([\w-]+) -->\s*```cypher\n(.*?)```", text, re.S)
    blocks = re.findall(r"```cypher\n", text)
    assert len(found) == len(blocks), "every cypher block in the cookbook needs a <!-- check: NAME --> line"
    return dict(found)


def column(rows: list[dict[str, Any]], name: str) -> list[Any]:
    return [row[name] for row in rows]


EXPECTED = {
    "upstream": lambda rows: column(rows, "upstream") == [
        f"{PG} shop.public.customers", f"{PG} shop.public.orders", "s3://lake raw/orders"],
    "impact": lambda rows: [(r["dataset"], r["job"], r["last_run_state"]) for r in rows] == [
        ("s3://lake curated/orders_enriched", "spark-prod enrich_orders", "COMPLETE"),
        ("s3://lake raw/orders", "airflow-prod nightly_orders.extract_orders", "FAIL"),
        ("snowflake://acme-analytics ANALYTICS.MARTS.REVENUE_DAILY", "dbt-prod analytics.marts.revenue_daily", "COMPLETE")],
    "column-path": lambda rows: [(r["path"], r["how"]) for r in rows] == [
        (["raw/orders.amount", "curated/orders_enriched.revenue", "ANALYTICS.MARTS.REVENUE_DAILY.revenue"],
         ["DIRECT/AGGREGATION", "DIRECT/AGGREGATION"])],
    "runs": lambda rows: [(r["state"], r["inputs"], str(r["started"])[:19]) for r in rows] == [
        ("FAIL", 1, "2026-11-21T02:00:00"), ("COMPLETE", 2, "2026-11-20T02:00:05")],
    "failures-per-job": lambda rows: [(r["job"], r["failures"]) for r in rows] == [
        ("airflow-prod nightly_orders.extract_orders", 1)],
    "schema-changes": lambda rows: [(r["field"], r["change"], r["old_type"], r["new_type"]) for r in rows] == [
        ("discount", "added", None, "NUMERIC"), ("revenue", "retyped", "NUMERIC", "DECIMAL(18,2)")],
    "pii-columns": lambda rows: [(r["dataset"], r["field"], r["from_pii"]) for r in rows] == [
        ("s3://lake exports/contacts", "email", "shop.public.customers.email")],
    "pii-readers": lambda rows: [(r["job"], r["writes"]) for r in rows] == [
        ("export_contacts", "s3://lake exports/contacts"), ("nightly_orders.extract_orders", "s3://lake raw/orders")],
    "orphans": lambda rows: column(rows, "orphan") == ["s3://lake scratch/orphan_export"],
    "no-producer": lambda rows: column(rows, "source") == [
        f"{PG} shop.public.currencies", f"{PG} shop.public.customers", f"{PG} shop.public.orders"],
    "as-of": lambda rows: column(rows, "downstream") == [
        "s3://lake curated/orders_enriched", "s3://lake raw/orders",
        "snowflake://acme-analytics ANALYTICS.MARTS.REVENUE_DAILY"],
    "hubs": lambda rows: [(r["dataset"], r["readers"]) for r in rows] == [
        (f"{PG} shop.public.currencies", 12), (f"{PG} shop.public.customers", 2)],
}


def test_every_recipe_has_an_expectation() -> None:
    assert sorted(recipes()) == sorted(EXPECTED)


@pytest.fixture(scope="module")
def known(services) -> neo4j.Driver:
    driver = neo4j.GraphDatabase.driver(services.neo4j_uri, auth=(services.neo4j_user, services.neo4j_password))
    load(services, driver)
    yield driver
    driver.close()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recipe(known: neo4j.Driver, name: str) -> None:
    rows = [record.data() for record in known.execute_query(recipes()[name], routing_="r").records]
    assert EXPECTED[name](rows), f"{name} returned {rows}"
