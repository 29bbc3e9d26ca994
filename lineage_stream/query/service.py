"""The questions analysts ask, answered in one read transaction each.

Depth is capped at ``MAX_DEPTH`` and every answer at a row limit; an answer that hit its limit says
so (``truncated``) instead of running on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lineage_stream.naming import AliasMap
from lineage_stream.query import cypher
from lineage_stream.query.errors import BadQuery, QueryError
from lineage_stream.query.model import (
    Column,
    ColumnEdge,
    DatasetRef,
    Impact,
    ImpactRow,
    JobLineage,
    Lineage,
    LineageEdge,
    Resolution,
    RunRow,
    SchemaVersionRow,
)
from lineage_stream.query.resolve import Reader, Tx, resolve_in, resolve_job_in

MAX_DEPTH = 20
DEFAULT_LIMIT = 1_000
MAX_LIMIT = 10_000
RUN_STATES = ("START", "RUNNING", "COMPLETE", "FAIL", "ABORT", "OTHER")


def _check(depth: int, limit: int) -> None:
    if not 1 <= depth <= MAX_DEPTH:
        raise BadQuery(f"depth must be between 1 and {MAX_DEPTH}, got {depth}")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadQuery(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")


@dataclass(slots=True)
class _Walk:
    edges: dict[tuple[DatasetRef, DatasetRef, DatasetRef], LineageEdge]
    alias_links: dict[tuple[DatasetRef, DatasetRef], None]
    reached: dict[str, tuple[DatasetRef, int]]  # element id → dataset, hop
    truncated: bool = False


def _walk(tx: Tx, members: tuple[DatasetRef, ...], direction: str, depth: int,
          as_of: int | None, limit: int) -> _Walk:
    """Breadth-first over job-level edges, one statement per dataset hop, following ALIAS_OF at every node."""
    walk = _Walk({}, {}, {})
    keys = [{"namespace": m.namespace, "name": m.name} for m in members]
    frontier: list[str] = []
    for row in tx.query(cypher.DATASET_IDS, keys=keys):
        walk.reached[row["id"]] = (DatasetRef(row["namespace"], row["name"]), 0)
        frontier.append(row["id"])
        for alias_id, namespace, name in row["aliases"]:
            if alias_id not in walk.reached:
                walk.reached[alias_id] = (DatasetRef(namespace, name), 0)
                frontier.append(alias_id)
    statement = cypher.DOWNSTREAM_HOP if direction == "downstream" else cypher.UPSTREAM_HOP
    for hop in range(1, depth + 1):
        remaining = limit - len(walk.edges)
        if not frontier or remaining <= 0:
            break
        rows = tx.query(statement, frontier=frontier, as_of=as_of, limit=remaining + 1)[0]["rows"]
        if len(rows) > remaining:
            walk.truncated, rows = True, rows[:remaining]
        frontier = []
        for near_id, job_namespace, job_name, far_id, far_namespace, far_name, far_aliases in rows:
            near = walk.reached[near_id][0]
            far = DatasetRef(far_namespace, far_name)
            job = DatasetRef(job_namespace, job_name)
            source, target = (near, far) if direction == "downstream" else (far, near)
            walk.edges.setdefault((source, job, target), LineageEdge(source, job, target, hop, direction))
            if far_id not in walk.reached:
                walk.reached[far_id] = (far, hop)
                frontier.append(far_id)
            for alias_id, namespace, name in far_aliases:
                alias = DatasetRef(namespace, name)
                walk.alias_links.setdefault((far, alias) if far.key < alias.key else (alias, far))
                if alias_id not in walk.reached:
                    walk.reached[alias_id] = (alias, hop)
                    frontier.append(alias_id)
    if frontier and len(walk.edges) >= limit:
        walk.truncated = True
    return walk


def _edge_order(e: LineageEdge) -> tuple[bool, int, str, str, str]:
    """Upstream before downstream, nearest hop first, then by names."""
    return (e.direction != "upstream", e.hop, e.source.key, e.job.key, e.target.key)


def lineage(reader: Reader, text: str, name: str | None = None, *, direction: str = "both", depth: int = 5,
            as_of_us: int | None = None, limit: int = DEFAULT_LIMIT, aliases: AliasMap | None = None) -> Lineage:
    """Job-level lineage of a dataset, upstream, downstream or both, as it stood at ``as_of_us`` if given
    (edges first seen at or before it).

    Raises:
        BadQuery: direction, depth or limit out of range.
        UnknownDataset, QueryError, QueryTimeout, GraphUnavailable: see ``resolve`` and ``GraphReader``.
    """
    if direction not in ("upstream", "downstream", "both"):
        raise BadQuery(f"direction must be upstream, downstream or both, got {direction!r}")
    _check(depth, limit)

    def work(tx: Tx) -> Lineage:
        resolution = resolve_in(tx, text, name, aliases)
        directions = ("upstream", "downstream") if direction == "both" else (direction,)
        edges: list[LineageEdge] = []
        links: dict[tuple[DatasetRef, DatasetRef], None] = {
            (resolution.dataset, a): None for a in resolution.aliases}
        truncated = False
        for way in directions:
            walk = _walk(tx, resolution.members, way, depth, as_of_us, limit)
            edges.extend(walk.edges.values())
            links.update(walk.alias_links)
            truncated = truncated or walk.truncated
        edges.sort(key=_edge_order)
        return Lineage(resolution, tuple(edges), depth, as_of_us, truncated, limit, tuple(links))

    return reader.read(work)


def job_lineage(reader: Reader, text: str, *, depth: int = 5, limit: int = DEFAULT_LIMIT) -> JobLineage:
    """A job's inputs and outputs, upstream of the inputs and downstream of the outputs (``depth`` counts
    the job's own datasets as 1). ``text``: ``job:NAMESPACE:NAME``, ``NAMESPACE NAME`` or a name alone.

    Raises:
        BadQuery: depth or limit out of range.
        UnknownJob, QueryError, QueryTimeout, GraphUnavailable: see ``resolve_job_in`` and ``GraphReader``.
    """
    _check(depth, limit)

    def work(tx: Tx) -> JobLineage:
        job = resolve_job_in(tx, text)
        row = tx.query(cypher.JOB_IO, namespace=job.namespace, name=job.name, limit=limit + 1)[0]
        inputs = tuple(DatasetRef(n, m) for n, m in row["inputs"])
        outputs = tuple(DatasetRef(n, m) for n, m in row["outputs"])
        truncated = len(inputs) > limit or len(outputs) > limit
        inputs, outputs = inputs[:limit], outputs[:limit]
        edges: dict[tuple[DatasetRef, DatasetRef, DatasetRef], LineageEdge] = {}
        for way, start in (("upstream", inputs), ("downstream", outputs)):
            if start and depth > 1:
                walk = _walk(tx, start, way, depth - 1, None, limit)
                for key, edge in walk.edges.items():
                    edges.setdefault(key, LineageEdge(edge.source, edge.job, edge.target, edge.hop + 1, way))
                truncated = truncated or walk.truncated
        ordered = sorted(edges.values(), key=_edge_order)
        return JobLineage(job, inputs, outputs, tuple(ordered), depth, truncated)

    return reader.read(work)


def seen_times(reader: Reader, datasets: list[DatasetRef],
               jobs: list[DatasetRef]) -> dict[tuple[str, str, str], tuple[int | None, int | None]]:
    """(kind, namespace, name) → (first seen, last seen) in microseconds, for datasets and jobs."""
    rows = reader.read(lambda tx: tx.query(
        cypher.SEEN, datasets=[{"namespace": d.namespace, "name": d.name} for d in datasets],
        jobs=[{"namespace": j.namespace, "name": j.name} for j in jobs]))
    return {(r["kind"], r["namespace"], r["name"]): (r["first_seen_us"], r["last_seen_us"]) for r in rows}


def impact(reader: Reader, text: str, name: str | None = None, *, depth: int = 10, limit: int = DEFAULT_LIMIT,
           producers_per_dataset: int = 20, aliases: AliasMap | None = None) -> Impact:
    """Everything downstream of a dataset, with the jobs that write each one and their last run state.

    Raises: as ``lineage``.
    """
    _check(depth, limit)

    def work(tx: Tx) -> Impact:
        resolution = resolve_in(tx, text, name, aliases)
        walk = _walk(tx, resolution.members, "downstream", depth, None, limit)
        reached = {i: (d, hop) for i, (d, hop) in walk.reached.items() if hop > 0}
        rows = []
        if reached:
            found = tx.query(cypher.PRODUCERS, ids=list(reached), per_dataset=producers_per_dataset)
            for row in found:
                dataset, hop = reached[row["id"]]
                producers = tuple(sorted(((DatasetRef(ns, nm), state, at) for ns, nm, state, at in row["producers"]),
                                         key=lambda p: (p[0].namespace, p[0].name)))
                rows.append(ImpactRow(dataset, hop, producers))
        rows.sort(key=lambda r: (r.hop, r.dataset.namespace, r.dataset.name))
        return Impact(resolution, tuple(rows), depth, walk.truncated, limit)

    return reader.read(work)


def columns(reader: Reader, text: str, field: str, name: str | None = None, *, direction: str = "both",
            depth: int = 10, limit: int = DEFAULT_LIMIT,
            aliases: AliasMap | None = None) -> tuple[Resolution, tuple[ColumnEdge, ...], bool]:
    """The column-level path of ``field`` both ways: (resolution, edges, truncated).

    Raises:
        QueryError: the dataset has no such field (the message lists its fields).
        and as ``lineage``.
    """
    _check(depth, limit)

    def work(tx: Tx) -> tuple[Resolution, tuple[ColumnEdge, ...], bool]:
        resolution = resolve_in(tx, text, name, aliases)
        members = [{"namespace": m.namespace, "name": m.name} for m in resolution.members]
        known = [r["name"] for r in tx.query(cypher.FIELD_NAMES, members=members)]
        edges: list[ColumnEdge] = []
        truncated = False
        if field not in known:
            hint = ", ".join(known[:20]) if known else "none recorded"
            raise QueryError(f"{resolution.dataset} has no field {field!r}; its fields: {hint}")
        ways = ("upstream", "downstream") if direction == "both" else (direction,)
        for way in ways:
            template = cypher.COLUMNS_UPSTREAM if way == "upstream" else cypher.COLUMNS_DOWNSTREAM
            rows = tx.query(template.replace("{depth}", str(int(depth))), members=members, field=field,
                            limit=limit)
            truncated = truncated or len(rows) >= limit
            for r in rows:
                edges.append(ColumnEdge(Column(r["a_namespace"], r["a_dataset"], r["a_name"]),
                                        Column(r["b_namespace"], r["b_dataset"], r["b_name"]),
                                        r["transformation"], r["subtype"], r["hop"], way))
        return resolution, tuple(edges), truncated

    return reader.read(work)


def runs(reader: Reader, text: str, name: str | None = None, *, state: str | None = None,
         since_us: int | None = None, limit: int = 50) -> tuple[DatasetRef, tuple[RunRow, ...]]:
    """A job's runs, newest first, optionally only those in ``state`` or ended/updated since ``since_us``.

    Raises:
        BadQuery: unknown state or limit out of range.
        UnknownJob, QueryError: see ``resolve_job_in``.
    """
    if state is not None and state.upper() not in RUN_STATES:
        raise BadQuery(f"state must be one of {', '.join(RUN_STATES)}, got {state!r}")
    _check(1, limit)

    def work(tx: Tx) -> tuple[DatasetRef, tuple[RunRow, ...]]:
        job = resolve_job_in(tx, text, name)
        rows = tx.query(cypher.RUNS, namespace=job.namespace, name=job.name,
                        state=state.upper() if state else None, since=since_us, limit=limit)
        return job, tuple(RunRow(r["run_id"], r["state"] or "", r["started_at_us"], r["ended_at_us"],
                                 r["state_at_us"], tuple(DatasetRef(*d) for d in sorted(r["inputs"])),
                                 tuple(DatasetRef(*d) for d in sorted(r["outputs"]))) for r in rows)

    return reader.read(work)


def _fields(raw: Any) -> tuple[tuple[str, str, str], ...]:
    try:
        items = json.loads(raw) if isinstance(raw, str) else list(raw or [])
    except ValueError:
        return ()
    return tuple((str(f.get("name", "")), str(f.get("type") or ""), str(f.get("description") or ""))
                 for f in items if isinstance(f, dict))


def schema(reader: Reader, text: str, name: str | None = None, *, since_us: int | None = None,
           aliases: AliasMap | None = None) -> tuple[Resolution, tuple[SchemaVersionRow, ...]]:
    """Schema versions, oldest first, each with the fields added, removed and retyped against the one
    before; with ``since_us`` only versions first seen since then (still compared with their predecessor).

    Raises: as ``lineage``.
    """

    def work(tx: Tx) -> tuple[Resolution, tuple[SchemaVersionRow, ...]]:
        resolution = resolve_in(tx, text, name, aliases)
        members = [{"namespace": m.namespace, "name": m.name} for m in resolution.members]
        versions: list[SchemaVersionRow] = []
        previous: dict[str, str] = {}
        for r in tx.query(cypher.SCHEMA_VERSIONS, members=members):
            fields = _fields(r["fields"])
            current = {f[0]: f[1] for f in fields}
            row = SchemaVersionRow(
                r["fingerprint"], r["first_seen_us"], r["last_seen_us"], fields,
                added=tuple(f for f in current if f not in previous) if previous else (),
                removed=tuple(f for f in previous if f not in current),
                retyped=tuple(f for f in current if f in previous and previous[f] != current[f]),
            )
            if since_us is None or r["first_seen_us"] >= since_us:
                versions.append(row)
            previous = current
        return resolution, tuple(versions)

    return reader.read(work)


def search(reader: Reader, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
    """Datasets and jobs whose namespace or name contains ``text`` (case-insensitive), shortest first."""
    needle = text.strip().lower()
    if not needle:
        raise BadQuery("search text must not be blank")
    _check(1, limit)

    def work(tx: Tx) -> list[dict[str, Any]]:
        return (tx.query(cypher.SEARCH_DATASETS, text=needle, limit=limit)
                + tx.query(cypher.SEARCH_JOBS, text=needle, limit=limit))

    return reader.read(work)
