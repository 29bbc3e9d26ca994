"""A small lineage graph whose coverage and quality figures are known by hand (see the test)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone

from confluent_kafka import Producer

from lineage_stream.adapters.kafka_source import ensure_topics

PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.9.1/integration/test"
_FACET = {"_producer": PRODUCER, "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/SchemaDatasetFacet.json"}
_COLUMNS = {"_producer": PRODUCER,
            "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json"}


def _at(hours_ago: float) -> str:
    return datetime.fromtimestamp(time.time() - hours_ago * 3600, tz=timezone.utc).isoformat()


def _dataset(namespace: str, name: str, fields: list[str] | None = None,
             columns: dict[str, list[dict[str, str]]] | None = None) -> dict[str, object]:
    facets: dict[str, object] = {}
    if fields is not None:
        facets["schema"] = {**_FACET, "fields": [{"name": f, "type": "string"} for f in fields]}
    if columns is not None:
        facets["columnLineage"] = {**_COLUMNS, "fields": {f: {"inputFields": i} for f, i in columns.items()}}
    return {"namespace": namespace, "name": name, "facets": facets}


def _run(job_ns: str, job: str, state: str, hours_ago: float, inputs: list[dict[str, object]],
         outputs: list[dict[str, object]], run_id: str | None = None) -> dict[str, object]:
    return {"eventType": state, "eventTime": _at(hours_ago), "producer": PRODUCER,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent",
            "run": {"runId": run_id or str(uuid.uuid4())}, "job": {"namespace": job_ns, "name": job},
            "inputs": inputs, "outputs": outputs}


def known_graph_events(alpha: str, beta: str, jobs: str) -> list[dict[str, object]]:
    """alpha: raw1 -> A -> clean1 (schema, column lineage) -> B -> mart1 (schema, changed once) and beta/out1;
    beta: src1 -> C (one run, START ten hours ago: stuck); D writes d_out three times 30-28 hours ago
    (usual interval one hour: silent); lonely, from a DatasetEvent only (unlinked)."""
    raw1 = _dataset(alpha, "raw1")
    clean1 = _dataset(alpha, "clean1", ["id", "name"],
                      {"id": [{"namespace": alpha, "name": "raw1", "field": "id"}]})
    run_a = str(uuid.uuid4())
    events = [
        _run(jobs, "A", "START", 2.0, [raw1], [clean1], run_a),
        _run(jobs, "A", "COMPLETE", 1.9, [raw1], [clean1], run_a),
        _run(jobs, "B", "COMPLETE", 1.5, [_dataset(alpha, "clean1")],
             [_dataset(alpha, "mart1", ["id"]), _dataset(beta, "out1")]),
        _run(jobs, "B", "COMPLETE", 1.0, [_dataset(alpha, "clean1")], [_dataset(alpha, "mart1", ["id", "total"])]),
        _run(jobs, "C", "START", 10.0, [_dataset(beta, "src1")], []),
        *(_run(jobs, "D", "COMPLETE", h, [], [_dataset(beta, "d_out")]) for h in (30.0, 29.0, 28.0)),
        {"eventTime": _at(0.5), "producer": PRODUCER, "dataset": _dataset(beta, "lonely"),
         "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/DatasetEvent"},
    ]
    return events


def publish_json(bootstrap: str, topic: str, events: list[dict[str, object]]) -> None:
    ensure_topics(bootstrap, [topic], partitions=1)
    producer = Producer({"bootstrap.servers": bootstrap})
    for event in events:
        producer.produce(topic, json.dumps(event).encode())
    assert producer.flush(30) == 0
