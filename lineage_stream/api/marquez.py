"""Lineage in the shape of Marquez's ``GET /api/v1/lineage`` response, so tools that read Marquez read us.

Marquez answers ``{"graph": [node, ...]}``; a node is ``{"id", "type": "DATASET"|"JOB", "data", "inEdges",
"outEdges"}``, an edge ``{"origin", "destination"}``, node IDs ``dataset:<namespace>:<name>`` and
``job:<namespace>:<name>``. Pure.
"""

from __future__ import annotations

from typing import Any

from lineage_stream.query.model import DatasetRef, JobLineage, Lineage
from lineage_stream.query.times import iso


def dataset_node_id(d: DatasetRef) -> str:
    return f"dataset:{d.namespace}:{d.name}"


def job_node_id(j: DatasetRef) -> str:
    return f"job:{j.namespace}:{j.name}"


def marquez_lineage(result: Lineage | JobLineage,
                    times: dict[str, tuple[int | None, int | None]] | None = None) -> dict[str, Any]:
    """The Marquez lineage graph of ``result`` (a dataset's, both directions, or a job's); ``times`` maps
    node IDs to (created, updated) us."""
    times = times or {}
    in_edges: dict[str, dict[tuple[str, str], None]] = {}
    out_edges: dict[str, dict[tuple[str, str], None]] = {}
    job_io: dict[DatasetRef, tuple[dict[DatasetRef, None], dict[DatasetRef, None]]] = {}

    def link(origin: str, destination: str) -> None:
        out_edges.setdefault(origin, {})[(origin, destination)] = None
        in_edges.setdefault(destination, {})[(origin, destination)] = None

    def reads(job: DatasetRef, dataset: DatasetRef) -> None:
        link(dataset_node_id(dataset), job_node_id(job))
        job_io.setdefault(job, ({}, {}))[0][dataset] = None

    def writes(job: DatasetRef, dataset: DatasetRef) -> None:
        link(job_node_id(job), dataset_node_id(dataset))
        job_io.setdefault(job, ({}, {}))[1][dataset] = None

    if isinstance(result, JobLineage):
        job_io[result.job] = ({}, {})
        for d in result.inputs:
            reads(result.job, d)
        for d in result.outputs:
            writes(result.job, d)
    for e in result.edges:
        reads(e.job, e.source)
        writes(e.job, e.target)

    def edges(table: dict[str, dict[tuple[str, str], None]], node: str) -> list[dict[str, str]]:
        return [{"origin": a, "destination": b} for a, b in sorted(table.get(node, {}))]

    graph: list[dict[str, Any]] = []
    for d in result.datasets():
        node = dataset_node_id(d)
        created, updated = times.get(node, (None, None))
        graph.append({"id": node, "type": "DATASET", "data": {
            "id": {"namespace": d.namespace, "name": d.name}, "type": "DB_TABLE", "name": d.name,
            "physicalName": d.name, "createdAt": iso(created), "updatedAt": iso(updated), "namespace": d.namespace,
            "sourceName": d.namespace, "fields": [], "tags": [], "lastModifiedAt": iso(updated), "description": None,
            "facets": {}}, "inEdges": edges(in_edges, node), "outEdges": edges(out_edges, node)})
    for j in result.jobs():
        node = job_node_id(j)
        created, updated = times.get(node, (None, None))
        inputs, outputs = job_io.get(j, ({}, {}))
        graph.append({"id": node, "type": "JOB", "data": {
            "id": {"namespace": j.namespace, "name": j.name}, "type": "BATCH", "name": j.name,
            "simpleName": j.name.rsplit(".", 1)[-1], "parentJobName": None, "createdAt": iso(created),
            "updatedAt": iso(updated), "namespace": j.namespace,
            "inputs": [{"namespace": d.namespace, "name": d.name} for d in inputs],
            "outputs": [{"namespace": d.namespace, "name": d.name} for d in outputs],
            "location": None, "description": None, "latestRun": None},
            "inEdges": edges(in_edges, node), "outEdges": edges(out_edges, node)})
    return {"graph": graph}
