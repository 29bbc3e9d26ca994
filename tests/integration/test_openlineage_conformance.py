"""OpenLineage producers point their Kafka transport at lineage-stream and get one clean graph.

Every real event under ``../shared/conformance/openlineage/events/concrete/`` (and the invalid ones)
is published with the OpenLineage Python client's own Kafka transport into real Kafka; the worker
ingests them into real Neo4j; the graph then holds every dataset, job, run, schema field and
column-lineage edge the events describe, under their canonical identifiers.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import column_lineage_dataset, parent_run, schema_dataset, symlinks_dataset
from openlineage.client.serde import Serde
from openlineage.client.transport.kafka import KafkaConfig, KafkaTransport

from lineage_stream.adapters.dead_letter_admin import read_dead_letters
from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.app import run_worker
from lineage_stream.errors import RejectedRecord
from lineage_stream.graph.plan import flatten_fields
from lineage_stream.model import EventKind, LineageEvent
from lineage_stream.openlineage import parse_openlineage, read_openlineage_documents
from lineage_stream.pipeline.normalize import NormalizeStage
from lineage_stream.pipeline.rollup import RollupStage
from lineage_stream.pipeline.validate import validate_event
from conftest import settings_for

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "openlineage" / "events"
_TEMPLATE = re.compile(r"\{\{\s*RUN_(?:START_TIME|END_TIME_AFTER_(\d+)_MINUTES)\s*\}\}")


def _fill_templates(doc: dict) -> dict:
    """The Marquez sample array stands for event times as templates; its manifest says to fill them."""
    match = _TEMPLATE.fullmatch(str(doc.get("eventTime", "")))
    if match:
        start = datetime(2024, 1, 1, 12, tzinfo=timezone.utc)
        doc = {**doc, "eventTime": (start + timedelta(minutes=int(match.group(1) or 0))).isoformat()}
    return doc


def _documents(folder: str) -> list[tuple[str, dict]]:
    if not EVENTS.is_dir():
        pytest.skip(f"conformance events not found at {EVENTS} (the shared material sits beside the project)")
    return [(f"{path.name}#{i}", _fill_templates(doc))
            for path in sorted((EVENTS / folder).iterdir())
            for i, doc in enumerate(read_openlineage_documents(path))]


def _message_key(doc: dict) -> str | None:
    """The key the OpenLineage clients' Kafka transport uses."""
    if "dataset" in doc and "run" not in doc:
        return f"dataset:{doc['dataset'].get('namespace')}/{doc['dataset'].get('name')}"
    job = doc.get("job") or {}
    prefix = "run" if "run" in doc else "job"
    return f"{prefix}:{job.get('namespace')}/{job.get('name')}"


@dataclass
class Expected:
    datasets: set
    jobs: set
    runs: set
    fields: set
    column_edges: set


def _expect(events: list[LineageEvent]) -> Expected:
    """What the graph must contain: the events as the pipeline canonicalizes them."""
    expected = Expected(set(), set(), set(), set(), set())
    normalize, rollup = NormalizeStage(), RollupStage()
    for event in events:
        event = rollup(normalize(event))
        if event.job:
            expected.jobs.add((event.job.namespace, event.job.name))
        if event.kind is EventKind.RUN and event.run:
            expected.runs.add((event.job.namespace, event.job.name, event.run.run_id))
        for d in (*event.inputs, *event.outputs, *([event.dataset] if event.dataset else [])):
            expected.datasets.add((d.namespace, d.name))
            for f in flatten_fields(d.fields or ()):
                expected.fields.add((d.namespace, d.name, f["name"]))
            for lineage in d.column_lineage:
                for source in lineage.inputs:
                    expected.column_edges.add((source.namespace, source.name, source.field,
                                               d.namespace, d.name, lineage.output_field))
    return expected


def _typed_client_events(tag: str) -> list[RunEvent]:
    """Events built with the client's own classes: schema, column lineage, symlinks, parent."""
    producer = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python"
    parent_id, child_id = str(uuid.uuid4()), str(uuid.uuid4())
    output = OutputDataset(
        namespace="s3a://warehouse-bucket", name=f"iceberg/{tag}/orders/",
        facets={
            "schema": schema_dataset.SchemaDatasetFacet(fields=[
                schema_dataset.SchemaDatasetFacetFields(name="id", type="long"),
                schema_dataset.SchemaDatasetFacetFields(name="total", type="decimal")]),
            "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(fields={
                "total": column_lineage_dataset.Fields(inputFields=[column_lineage_dataset.InputField(
                    namespace="postgresql://DB.example.com", name=f"{tag}.public.orders", field="amount",
                    transformations=[column_lineage_dataset.Transformation(type="DIRECT", subtype="AGGREGATION")])])}),
            "symlinks": symlinks_dataset.SymlinksDatasetFacet(identifiers=[
                symlinks_dataset.Identifier(namespace="hive://metastore.example.com:9083", name=f"{tag}.orders",
                                            type="TABLE")]),
        })
    job = Job(namespace="spark-conformance", name=f"{tag}.load_orders")
    return [
        RunEvent(eventType=RunState.START, eventTime="2024-05-01T10:00:00Z", producer=producer,
                 run=Run(runId=parent_id), job=Job(namespace="airflow-conformance", name=f"{tag}_dag")),
        RunEvent(eventType=RunState.COMPLETE, eventTime="2024-05-01T10:05:00Z", producer=producer,
                 run=Run(runId=child_id, facets={"parent": parent_run.ParentRunFacet(
                     run=parent_run.Run(runId=parent_id),
                     job=parent_run.Job(namespace="airflow-conformance", name=f"{tag}_dag"))}),
                 job=job, inputs=[InputDataset(namespace="postgresql://DB.example.com", name=f"{tag}.public.orders")],
                 outputs=[output]),
    ]


def _rows(graph, cypher: str) -> set:
    return {tuple(tuple(v) if isinstance(v, list) else v for v in r.values())
            for r in graph.execute_query(cypher).records}


def test_openlineage_kafka_transport_into_one_clean_graph(services, graph, unique):
    concrete = _documents("concrete")
    invalid = _documents("invalid")
    settings = settings_for(services, unique)
    topic = settings.kafka.openlineage_topics[0]

    transport = KafkaTransport(KafkaConfig(config={"bootstrap.servers": services.kafka_bootstrap}, topic=topic,
                                           flush=False))
    for _name, doc in concrete + invalid:
        transport.message_key = _message_key(doc)
        transport.emit(doc)  # the transport serializes plain documents exactly as it does client events
    transport.message_key = None
    client = OpenLineageClient(transport=transport)
    typed = _typed_client_events(unique)
    for event in typed:
        client.emit(event)
    assert transport.wait_for_completion(30)

    metrics = WorkerMetrics()
    totals = run_worker(settings, until_idle=True, serve_metrics=False, metrics=metrics)

    # What should have happened, computed from the documents themselves.
    accepted: list[LineageEvent] = []
    rejected: dict[str, str] = {}
    typed_documents = [(f"typed#{i}", Serde.to_dict(e)) for i, e in enumerate(typed)]
    for name, doc in concrete + invalid + typed_documents:
        try:
            accepted.append(validate_event(parse_openlineage(doc).event, now_us=2**62))
        except RejectedRecord as error:
            rejected[name] = error.reason
    ids = [e.event_id for e in accepted]
    distinct = len(set(ids))

    total = len(concrete) + len(invalid) + len(typed)
    print(f"\nconformance: {total} events published ({len(concrete)} concrete, {len(invalid)} invalid, "
          f"{len(typed)} from typed client events); worker totals {totals}; rejected {rejected}")
    assert totals["consumed"] == total
    assert totals["rejected"] == len(rejected) == 1
    assert "ol_fluentd_event_invalid_run_facet.json" not in " ".join(rejected)
    assert totals["written"] == distinct
    assert totals["duplicates"] == len(ids) - distinct
    dropped = sum(metrics.registry.get_sample_value("lineage_facets_dropped_total", {"facet": f}) or 0
                  for f in ("parent", "ownership", "dataQualityMetrics", "outputStatistics"))
    assert dropped == 6  # 5 invalid files with one bad facet each, and one concrete Spark parent facet

    (letter,) = read_dead_letters(services.kafka_bootstrap, settings.kafka.dlq_topic)
    assert "runId" in letter.errors["exception.message"]

    expected = _expect(accepted)
    assert expected.datasets <= _rows(graph, "MATCH (d:Dataset) RETURN d.namespace, d.name")
    assert expected.jobs <= _rows(graph, "MATCH (j:Job) RETURN j.namespace, j.name")
    assert expected.runs <= _rows(graph, "MATCH (j:Job)-[:HAS_RUN]->(r:Run) RETURN j.namespace, j.name, r.run_id")
    assert expected.fields <= _rows(graph, "MATCH (d:Dataset)-[:HAS_FIELD]->(f:Field) RETURN d.namespace, d.name, f.name")
    assert expected.column_edges <= _rows(graph, "MATCH (a:Field)-[:FLOWS_TO]->(b:Field) "
                                                 "RETURN a.namespace, a.dataset, a.name, b.namespace, b.dataset, b.name")
    print(f"conformance graph: {len(expected.datasets)} datasets, {len(expected.jobs)} jobs, {len(expected.runs)} runs, "
          f"{len(expected.fields)} schema fields, {len(expected.column_edges)} column-lineage edges all present")

    # The typed client events: canonical identifiers, the symlink as an alias, the parent link.
    tag = unique
    assert (f"s3://warehouse-bucket", f"iceberg/{tag}/orders") in expected.datasets
    assert _rows(graph, f"MATCH (a:Dataset)-[:ALIAS_OF]->(d:Dataset {{name: 'iceberg/{tag}/orders'}}) "
                        "RETURN a.namespace, a.name") == {("hive://metastore.example.com:9083", f"{tag}.orders")}
    assert _rows(graph, f"MATCH (d:Dataset {{name: '{tag}.public.orders'}}) RETURN d.namespace, d.raw_identifiers") == {
        ("postgres://db.example.com:5432", (f"postgresql://DB.example.com|{tag}.public.orders",))}
    assert _rows(graph, f"MATCH (:Job {{name: '{tag}.load_orders'}})-[:CHILD_OF]->(p:Job) RETURN p.name") == {
        (f"{tag}_dag",)}
