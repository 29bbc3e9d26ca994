"""Lineage coverage and quality, as read queries over the graph and pure functions over their rows.

The coverage adapter runs these in read transactions on a schedule; every figure is defined in
``docs/metrics.md``. Label values stay bounded: the ``top`` namespaces by size keep their names, the
rest are summed into ``other``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

OTHER = "other"

# One pass over the datasets. Alias datasets (another name of a dataset the events named) are left out:
# they are names, not datasets of their own.
DATASET_QUALITY = """
MATCH (d:Dataset)
WHERE NOT (d)-[:ALIAS_OF]->(:Dataset)
WITH d,
     EXISTS { (:Job)-[:OUTPUTS]->(d) } OR EXISTS { (:Run)-[:WROTE]->(d) } AS produced,
     EXISTS { (d)-[:INPUT_TO]->(:Job) } OR EXISTS { (d)-[:READ_BY]->(:Run) } AS consumed,
     EXISTS { (d)-[:HAS_FIELD]->(:Field)<-[:FLOWS_TO]-(:Field) } AS column_lineage,
     COUNT { (d)-[:HAS_SCHEMA_VERSION]->(:SchemaVersion) } AS versions
RETURN d.namespace AS namespace,
       count(d) AS datasets,
       count(CASE WHEN produced THEN 1 END) AS produced,
       count(CASE WHEN NOT produced AND NOT consumed THEN 1 END) AS unlinked,
       count(CASE WHEN produced AND column_lineage THEN 1 END) AS outputs_with_column_lineage,
       count(CASE WHEN versions > 0 OR d.schema_fingerprint IS NOT NULL THEN 1 END) AS with_schema,
       sum(CASE WHEN versions > 1 THEN versions - 1 ELSE 0 END) AS schema_changes,
       max(d.last_seen_us) AS last_seen_us
"""

# Runs whose latest state is START or RUNNING and whose state event is older than the threshold.
STUCK_RUNS = """
MATCH (j:Job)-[:HAS_RUN]->(r:Run)
WHERE r.state IN ['START', 'RUNNING'] AND r.state_at_us < $before_us
RETURN j.namespace AS namespace, count(r) AS count
"""

# Jobs with at least three runs whose last run started more than `factor` usual intervals ago, the
# usual interval being the mean gap between their runs' starts.
SILENT_JOBS = """
MATCH (j:Job)-[:HAS_RUN]->(r:Run)
WITH j, count(r) AS runs, min(coalesce(r.started_at_us, r.first_seen_us)) AS first,
     max(coalesce(r.started_at_us, r.first_seen_us)) AS last
WHERE runs >= 3 AND last > first
WITH j, last, toFloat(last - first) / (runs - 1) AS usual
WHERE $now_us - last > $factor * usual
RETURN j.namespace AS namespace, count(j) AS count
"""

LABELS = "CALL db.labels() YIELD label RETURN label"
RELATIONSHIP_TYPES = "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType AS type"

# Datasets with something downstream, a random few of the first 10,000 (bounded, whatever the graph size).
IMPACT_SAMPLE = """
MATCH (d:Dataset) WHERE EXISTS { (d)-[:INPUT_TO]->(:Job) }
WITH d LIMIT 10000
WITH d ORDER BY rand() LIMIT $sample
RETURN d.namespace AS namespace, d.name AS name
"""


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def count_nodes(label: str) -> str:
    """A count the store answers without a scan."""
    return f"MATCH (n:{_quoted(label)}) RETURN count(n) AS count"


def count_relationships(rel_type: str) -> str:
    return f"MATCH ()-[r:{_quoted(rel_type)}]->() RETURN count(r) AS count"


@dataclass(frozen=True, slots=True)
class NamespaceQuality:
    namespace: str
    datasets: int
    produced: int
    unlinked: int
    outputs_with_column_lineage: int
    with_schema: int
    schema_changes: int
    last_seen_us: int | None

    @property
    def coverage(self) -> float:
        """Share of the namespace's datasets with a known producing job."""
        return self.produced / self.datasets if self.datasets else 0.0

    @property
    def column_lineage(self) -> float | None:
        """Share of output datasets (datasets some job writes) with column lineage into a field; None
        (no series) when the namespace has no output dataset."""
        return self.outputs_with_column_lineage / self.produced if self.produced else None

    @property
    def schema(self) -> float:
        """Share of datasets with a schema."""
        return self.with_schema / self.datasets if self.datasets else 0.0


@dataclass(frozen=True, slots=True)
class Snapshot:
    namespaces: tuple[NamespaceQuality, ...]
    stuck_runs: Mapping[str, int]
    silent_jobs: Mapping[str, int]
    nodes: Mapping[str, int]
    relationships: Mapping[str, int]


def namespace_rows(rows: Iterable[Mapping[str, object]], top: int) -> tuple[NamespaceQuality, ...]:
    """The largest ``top`` namespaces by datasets, and the rest summed as ``other`` (latest time kept)."""
    found = sorted((_quality(row) for row in rows), key=lambda q: (-q.datasets, q.namespace))
    kept, rest = found[:top], found[top:]
    if not rest:
        return tuple(kept)
    counts = {f.name: sum(getattr(q, f.name) for q in rest)
              for f in fields(NamespaceQuality) if f.name not in ("namespace", "last_seen_us")}
    seen = [q.last_seen_us for q in rest if q.last_seen_us is not None]
    other = NamespaceQuality(namespace=OTHER, last_seen_us=max(seen) if seen else None, **counts)
    return (*kept, other)


def _int(value: object) -> int:
    return int(value) if isinstance(value, (int, float)) else 0


def _quality(row: Mapping[str, object]) -> NamespaceQuality:
    last = row.get("last_seen_us")
    counts = {f.name: _int(row.get(f.name)) for f in fields(NamespaceQuality)
              if f.name not in ("namespace", "last_seen_us")}
    return NamespaceQuality(namespace=str(row["namespace"]), last_seen_us=_int(last) if last is not None else None,
                            **counts)


def capped_counts(rows: Iterable[Mapping[str, object]], top: int, key: str = "namespace") -> dict[str, int]:
    """``{key: count}`` for the ``top`` largest, the rest summed under ``other``."""
    found = sorted(((str(r[key]), _int(r["count"])) for r in rows), key=lambda kv: (-kv[1], kv[0]))
    capped = dict(found[:top])
    if len(found) > top:
        capped[OTHER] = capped.get(OTHER, 0) + sum(count for _, count in found[top:])
    return capped

