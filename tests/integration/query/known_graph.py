"""A known lineage graph, loaded through the real producer, Kafka, registry and worker.

The demo night (``examples/nightly_orders.jsonl``) plus, on later days: a failed extract run, a schema
change of ``curated/orders_enriched`` that also declares the alias ``s3://legacy-lake orders_enriched_v1``
(lineage reached the alias a day before), a PII-tagged ``email`` column copied to an export, a hub
(``shop.public.currencies``, read by 12 report jobs) and an orphan dataset.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import neo4j

from lineage_stream.app import run_worker
from lineage_stream.naming import AliasMap
from lineage_stream.openlineage import read_openlineage_documents
from lineage_stream.producer import LineageProducer

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "nightly_orders.jsonl"
ALIASES = ROOT / "examples" / "aliases.json"
MARKER = ("s3://lake", "scratch/orphan_export")
HUB_READERS = 12
DATASETS = 22  # in the loaded graph
PRODUCER = "https://example.com/lineage-stream/tests"
RUN_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
DATASET_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent"
FACET = {"_producer": PRODUCER, "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/Facet.json"}


def _run(run_id: str, state: str, at: str, job: tuple[str, str], inputs: list[dict[str, Any]] | None = None,
         outputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"eventType": state, "eventTime": at, "producer": PRODUCER, "schemaURL": RUN_SCHEMA,
            "run": {"runId": run_id, "facets": {}}, "job": {"namespace": job[0], "name": job[1], "facets": {}},
            "inputs": inputs or [], "outputs": outputs or []}


def _ds(namespace: str, name: str, **facets: Any) -> dict[str, Any]:
    return {"namespace": namespace, "name": name, "facets": {k: {**FACET, **v} for k, v in facets.items()}}


def _schema(*fields: tuple[str, str, str]) -> dict[str, Any]:
    return {"fields": [{"name": n, "type": t, **({"description": d} if d else {})} for n, t, d in fields]}


def _from(namespace: str, name: str, field: str, kind: str = "DIRECT", subtype: str = "IDENTITY") -> dict[str, Any]:
    return {"namespace": namespace, "name": name, "field": field,
            "transformations": [{"type": kind, "subtype": subtype, "masking": False}]}


PG = "postgresql://Orders-DB.internal:5432"


def extra_events() -> list[dict[str, Any]]:
    extract = ("airflow-prod", "nightly_orders.extract_orders")
    orders = _ds(PG, "shop.public.orders")
    events = [
        _run("0193a1f0-0000-7000-8000-000000000101", "START", "2026-11-21T02:00:00Z", extract, [orders]),
        _run("0193a1f0-0000-7000-8000-000000000101", "FAIL", "2026-11-21T02:01:00Z", extract, [orders]),
        # lineage that reaches the legacy name before anyone says it is an alias
        _run("0193a1f0-0000-7000-8000-000000000201", "COMPLETE", "2026-11-21T05:00:00Z", ("ml-prod", "score_orders"),
             [_ds("s3://legacy-lake", "orders_enriched_v1")], [_ds("s3://lake", "ml/order_scores")]),
        # the PII-tagged column, copied to an export
        _run("0193a1f0-0000-7000-8000-000000000301", "COMPLETE", "2026-11-21T06:00:00Z", ("crm-prod", "export_contacts"),
             [_ds(PG, "shop.public.customers", schema=_schema(("customer_id", "BIGINT", ""),
                                                             ("email", "VARCHAR", "contact e-mail [PII]"),
                                                             ("country", "VARCHAR", "")))],
             [_ds("s3://lake", "exports/contacts", schema=_schema(("email", "VARCHAR", ""), ("country", "VARCHAR", "")),
                  columnLineage={"fields": {"email": {"inputFields": [_from(PG, "shop.public.customers", "email")]},
                                            "country": {"inputFields": [_from(PG, "shop.public.customers", "country")]}}})]),
        # a schema change, and the alias declared
        _run("0193a1f0-0000-7000-8000-000000000401", "COMPLETE", "2026-11-22T02:09:30Z", ("spark-prod", "enrich_orders"),
             [_ds("s3://lake", "raw/orders/dt=2026-11-22")],
             [_ds("s3://lake", "curated/orders_enriched",
                  schema=_schema(("order_id", "BIGINT", ""), ("country", "VARCHAR", ""), ("revenue", "DECIMAL(18,2)", ""),
                                 ("discount", "NUMERIC", "")),
                  symlinks={"identifiers": [{"namespace": "s3://legacy-lake", "name": "orders_enriched_v1",
                                             "type": "TABLE"}]})]),
        {"eventTime": "2026-11-23T00:00:00Z", "producer": PRODUCER, "schemaURL": DATASET_SCHEMA,
         "dataset": _ds(*MARKER, schema=_schema(("line", "VARCHAR", "")))},
    ]
    for i in range(HUB_READERS):
        events.append(_run(f"0193a1f0-0000-7000-8000-0000000005{i:02d}", "COMPLETE", f"2026-11-21T07:{i:02d}:00Z",
                           ("finance-prod", f"report_{i:02d}"), [_ds(PG, "shop.public.currencies")],
                           [_ds("s3://lake", f"reports/r_{i:02d}")]))
    return events


def load(services: Any, driver: neo4j.Driver) -> None:
    """Wipe the graph and load the known graph through Kafka and the worker (once per process)."""
    from conftest import settings_for  # the integration suite's conftest

    present = driver.execute_query(
        "OPTIONAL MATCH (m:Dataset {namespace: $ns, name: $name}) WITH count(m) AS marker "
        "MATCH (d:Dataset) RETURN marker, count(d) AS datasets", ns=MARKER[0], name=MARKER[1]).records
    if present and present[0]["marker"] == 1 and present[0]["datasets"] == DATASETS:
        return  # the known graph, and nothing else, is already there
    with driver.session() as session:  # edges first: a dense hub's edges in one go can exceed transaction memory
        session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS").consume()
        session.run("MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()
    suffix = "query-" + uuid.uuid4().hex[:8]
    settings = settings_for(services, suffix)
    aliases = AliasMap.from_mapping(json.loads(ALIASES.read_text(encoding="utf-8")))
    later = [e for e in extra_events() if _declares_alias(e)]
    # two rounds, so the alias is surely declared after lineage reached it under its other name
    for documents in ([*read_openlineage_documents(EXAMPLES), *(e for e in extra_events() if not _declares_alias(e))],
                      later):
        with LineageProducer(services.kafka_bootstrap, services.registry_url, settings.kafka.avro_topic) as producer:
            for document in documents:
                producer.send_openlineage(document)
        totals = run_worker(settings, until_idle=True, serve_metrics=False, aliases=aliases)
        assert totals["rejected"] == 0, totals


def _declares_alias(event: dict[str, Any]) -> bool:
    return any("symlinks" in d.get("facets", {}) for d in event.get("outputs", []))
