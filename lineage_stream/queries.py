"""Read queries over the lineage graph: the answers analysts ask for, as parameterized Cypher."""

from __future__ import annotations

from typing import Any, Protocol, Sequence

from lineage_stream.errors import ConfigError

MAX_DEPTH = 20

# Lineage edges follow the data, so upstream is every path that ends at the dataset and downstream
# every path that starts there. Depth counts datasets: one hop is dataset → job → dataset.
_LINEAGE = """
MATCH (d:Dataset {{namespace: $namespace, name: $name}})
MATCH p = {pattern}
WITH nodes(p) AS ns
UNWIND range(0, size(ns) - 3, 2) AS i
WITH ns[i] AS a, ns[i + 1] AS j, ns[i + 2] AS b,
     CASE WHEN $upstream THEN (size(ns) - 1 - i) / 2 ELSE i / 2 + 1 END AS hop
RETURN a.namespace AS from_namespace, a.name AS from_name, j.namespace AS job_namespace, j.name AS job_name,
       b.namespace AS to_namespace, b.name AS to_name, min(hop) AS hop
ORDER BY hop, from_namespace, from_name, to_namespace, to_name
"""

UPSTREAM = _LINEAGE.format(pattern="(u:Dataset)(()-[:INPUT_TO]->(:Job)-[:OUTPUTS]->()){1,{depth}}(d)")
DOWNSTREAM = _LINEAGE.format(pattern="(d)(()-[:INPUT_TO]->(:Job)-[:OUTPUTS]->()){1,{depth}}(x:Dataset)")

DATASET_SUMMARY = """
MATCH (d:Dataset {namespace: $namespace, name: $name})
OPTIONAL MATCH (d)-[:HAS_FIELD]->(f:Field)
RETURN d.namespace AS namespace, d.name AS name, d.naming_rule AS naming_rule,
       d.raw_identifiers AS raw_identifiers, d.first_seen_us AS first_seen_us, d.last_seen_us AS last_seen_us,
       [x IN collect(f.name) WHERE x IS NOT NULL] AS fields
"""

GRAPH_COUNTS = """
CALL () { MATCH (n) UNWIND labels(n) AS label RETURN label AS kind, count(*) AS total }
RETURN kind, total
UNION ALL
CALL () { MATCH ()-[r]->() RETURN type(r) AS kind, count(*) AS total }
RETURN kind, total
"""


class QueryRunner(Protocol):
    def run_query(self, cypher: str, parameters: dict[str, object] | None = None) -> list[dict[str, Any]]: ...


def lineage(runner: QueryRunner, namespace: str, name: str, *, direction: str, depth: int) -> list[dict[str, Any]]:
    """Edges (from dataset, job, to dataset, hop) upstream or downstream of a dataset.

    Raises:
        ConfigError: ``direction`` is not up/down or ``depth`` is outside 1..MAX_DEPTH.
    """
    if direction not in ("up", "down"):
        raise ConfigError(f"direction must be 'up' or 'down', got {direction!r}")
    if not 1 <= depth <= MAX_DEPTH:
        raise ConfigError(f"depth must be between 1 and {MAX_DEPTH}, got {depth}")
    # depth is a validated int; Cypher cannot take a quantifier bound as a parameter.
    template = UPSTREAM if direction == "up" else DOWNSTREAM
    cypher = template.replace("{depth}", str(int(depth)))
    return runner.run_query(cypher, {"namespace": namespace, "name": name, "upstream": direction == "up"})


def format_edges(edges: Sequence[dict[str, Any]]) -> list[str]:
    return [
        f"  hop {e['hop']}: {e['from_namespace']}/{e['from_name']}  --[{e['job_namespace']}/{e['job_name']}]-->  "
        f"{e['to_namespace']}/{e['to_name']}"
        for e in edges
    ]
