"""Render answers: plain-text tables, JSON-ready dicts, Graphviz DOT and Mermaid. Pure."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from lineage_stream.query.model import ColumnEdge, DatasetRef, Impact, Lineage, Resolution, RunRow, SchemaVersionRow
from lineage_stream.query.times import iso

FORMATS = ("table", "json", "dot", "mermaid")


def ref(d: DatasetRef) -> dict[str, str]:
    return {"namespace": d.namespace, "name": d.name}


def resolution_dict(r: Resolution) -> dict[str, Any]:
    return {"query": r.text, "dataset": ref(r.dataset), "matched_by": r.how, "aliases": [ref(a) for a in r.aliases]}


def resolution_line(r: Resolution) -> str:
    line = f"resolved {r.text!r} to {r.dataset.namespace} {r.dataset.name} (by {r.how})"
    if r.aliases:
        line += "; aliases: " + ", ".join(str(a) for a in r.aliases)
    return line


def lineage_dict(result: Lineage) -> dict[str, Any]:
    return {
        "resolved": resolution_dict(result.resolution),
        "depth": result.depth,
        "as_of": iso(result.as_of_us),
        "truncated": result.truncated,
        "limit": result.limit,
        "datasets": [ref(d) for d in result.datasets()],
        "jobs": [ref(j) for j in result.jobs()],
        "edges": [{"direction": e.direction, "hop": e.hop, "source": ref(e.source), "job": ref(e.job),
                   "target": ref(e.target)} for e in result.edges],
        "aliases": [[ref(a), ref(b)] for a, b in result.alias_links],
    }


def lineage_table(result: Lineage) -> str:
    lines = [resolution_line(result.resolution)]
    if result.as_of_us is not None:
        lines.append(f"as of {iso(result.as_of_us)}")
    for direction in ("upstream", "downstream"):
        edges = [e for e in result.edges if e.direction == direction]
        lines.append(f"{direction} ({len(edges)} edge(s), depth {result.depth}):")
        lines += [f"  hop {e.hop}: {e.source}  --[{e.job}]-->  {e.target}" for e in edges] or ["  (none)"]
    if result.truncated:
        lines.append(f"truncated: the answer reached its limit of {result.limit} edges (raise --limit or lower --depth)")
    return "\n".join(lines)


def _dot_id(text: str) -> str:
    return json.dumps(text)  # a double-quoted string with escapes, valid as a DOT ID


def lineage_dot(result: Lineage) -> str:
    lines = ["digraph lineage {", "  rankdir=LR;", "  node [shape=box];"]
    focus = result.resolution.dataset
    for d in result.datasets():
        style = ", style=bold" if d == focus else ""
        lines.append(f"  {_dot_id('dataset:' + d.key)} [label={_dot_id(d.namespace + chr(10) + d.name)}{style}];")
    for j in result.jobs():
        lines.append(f"  {_dot_id('job:' + j.key)} [label={_dot_id(j.namespace + chr(10) + j.name)}, shape=ellipse];")
    pairs: dict[tuple[str, str], None] = {}
    for e in result.edges:
        pairs.setdefault(("dataset:" + e.source.key, "job:" + e.job.key))
        pairs.setdefault(("job:" + e.job.key, "dataset:" + e.target.key))
    lines += [f"  {_dot_id(a)} -> {_dot_id(b)};" for a, b in pairs]
    lines += [f"  {_dot_id('dataset:' + a.key)} -> {_dot_id('dataset:' + b.key)} [style=dashed, label=\"alias\", dir=none];"
              for a, b in result.alias_links]
    lines.append("}")
    return "\n".join(lines)


def _mermaid_label(text: str) -> str:
    return text.replace('"', "#quot;")


def lineage_mermaid(result: Lineage) -> str:
    ids: dict[str, str] = {}
    lines = ["flowchart LR"]

    def node(kind: str, d: DatasetRef) -> str:
        key = f"{kind}:{d.key}"
        if key not in ids:
            ids[key] = f"{kind[0]}{len(ids)}"
            label = _mermaid_label(f"{d.namespace}<br/>{d.name}")
            lines.append(f'  {ids[key]}["{label}"]' if kind == "dataset" else f'  {ids[key]}(["{label}"])')
        return ids[key]

    focus = node("dataset", result.resolution.dataset)
    seen: dict[tuple[str, str], None] = {}
    for e in result.edges:
        for a, b in ((node("dataset", e.source), node("job", e.job)), (node("job", e.job), node("dataset", e.target))):
            if (a, b) not in seen:
                seen[(a, b)] = None
    lines += [f"  {a} --> {b}" for a, b in seen]
    lines += [f"  {node('dataset', a)} -. alias .- {node('dataset', b)}" for a, b in result.alias_links]
    lines.append(f"  style {focus} stroke-width:3px")
    return "\n".join(lines)


def render_lineage(result: Lineage, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(lineage_dict(result), indent=2)
    if fmt == "dot":
        return lineage_dot(result)
    if fmt == "mermaid":
        return lineage_mermaid(result)
    return lineage_table(result)


def impact_dict(result: Impact) -> dict[str, Any]:
    return {
        "resolved": resolution_dict(result.resolution), "depth": result.depth, "truncated": result.truncated,
        "limit": result.limit,
        "datasets": [{"dataset": ref(r.dataset), "hop": r.hop,
                      "producers": [{"job": ref(j), "last_run_state": s, "last_run_at": iso(at)}
                                    for j, s, at in r.producers]} for r in result.rows],
    }


def impact_table(result: Impact) -> str:
    lines = [resolution_line(result.resolution), f"{len(result.rows)} downstream dataset(s):"]
    for r in result.rows:
        jobs = "; ".join(f"{j} [{s or 'no run'}{' ' + (iso(at) or '') if at else ''}]" for j, s, at in r.producers)
        lines.append(f"  hop {r.hop}: {r.dataset}  <- {jobs or '(no producer)'}")
    if result.truncated:
        lines.append(f"truncated: stopped at {result.limit} edges; this dataset is a hub (raise --limit to see more)")
    return "\n".join(lines)


def column_dicts(edges: tuple[ColumnEdge, ...]) -> list[dict[str, Any]]:
    return [asdict(e) for e in edges]


def columns_table(resolution: Resolution, field: str, edges: tuple[ColumnEdge, ...], truncated: bool) -> str:
    lines = [resolution_line(resolution)]
    for way in ("upstream", "downstream"):
        chosen = [e for e in edges if e.direction == way]
        lines.append(f"{way} of {field} ({len(chosen)} edge(s)):")
        lines += [f"  hop {e.hop}: {e.source} --[{e.transformation or '?'}{'/' + e.subtype if e.subtype else ''}]--> "
                  f"{e.target}" for e in chosen] or ["  (none)"]
    if truncated:
        lines.append("truncated: the column paths reached their limit")
    return "\n".join(lines)


def run_dict(r: RunRow) -> dict[str, Any]:
    return {"run_id": r.run_id, "state": r.state, "started_at": iso(r.started_at_us), "ended_at": iso(r.ended_at_us),
            "state_at": iso(r.state_at_us), "inputs": [ref(d) for d in r.inputs], "outputs": [ref(d) for d in r.outputs]}


def runs_table(job: DatasetRef, rows: tuple[RunRow, ...]) -> str:
    lines = [f"runs of {job} ({len(rows)}, newest first):"]
    for r in rows:
        lines.append(f"  {r.run_id}  {r.state:<8}  started {iso(r.started_at_us) or '-'}  ended {iso(r.ended_at_us) or '-'}"
                     f"  read {len(r.inputs)} wrote {len(r.outputs)}")
    return "\n".join(lines)


def schema_dict(r: SchemaVersionRow) -> dict[str, Any]:
    return {"fingerprint": r.fingerprint, "first_seen": iso(r.first_seen_us), "last_seen": iso(r.last_seen_us),
            "fields": [{"name": n, "type": t, "description": d} for n, t, d in r.fields],
            "added": list(r.added), "removed": list(r.removed), "retyped": list(r.retyped)}


def schema_table(resolution: Resolution, rows: tuple[SchemaVersionRow, ...]) -> str:
    lines = [resolution_line(resolution), f"{len(rows)} schema version(s), oldest first:"]
    for r in rows:
        change = ", ".join(p for p in (
            "added " + ", ".join(r.added) if r.added else "", "removed " + ", ".join(r.removed) if r.removed else "",
            "retyped " + ", ".join(r.retyped) if r.retyped else "") if p) or "first version"
        lines.append(f"  {iso(r.first_seen_us)}  {r.fingerprint[:12]}  {len(r.fields)} field(s): {change}")
    return "\n".join(lines)
