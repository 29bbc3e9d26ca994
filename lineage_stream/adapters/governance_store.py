"""The Neo4j side of governance: the suppression list, erasure of a person's traces, its audit trail.

The suppression list lives in the graph (``:SuppressedValue {hash, words, mode}``) so every worker
sees it; it holds keyed hashes only. ``:ErasureAudit`` records who-knows-what-was-erased by hash,
when, how, and how many properties changed.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, Self

import neo4j

from lineage_stream.adapters.neo4j_sink import create_missing, open_driver
from lineage_stream.governance.erasure import ErasureRequest, rewrite_value
from lineage_stream.governance.retention import RetentionRule, RunSummary, bucket_start, expiring, fold
from lineage_stream.governance.suppression import Suppression
from lineage_stream.settings import Neo4jSettings

log = logging.getLogger(__name__)

GOVERNANCE_SCHEMA = (
    "CREATE CONSTRAINT suppressed_value_identity IF NOT EXISTS FOR (s:SuppressedValue) REQUIRE s.hash IS UNIQUE",
    "CREATE INDEX erasure_audit_time IF NOT EXISTS FOR (a:ErasureAudit) ON (a.at_us)",
)
_GOVERNANCE_LABELS = ["SuppressedValue", "ErasureAudit"]

READ_SUPPRESSION = "MATCH (s:SuppressedValue) RETURN s.hash AS hash, s.words AS words, s.mode AS mode"

ADD_SUPPRESSION = """
MERGE (s:SuppressedValue {hash: $hash})
SET s.words = $words, s.mode = $mode, s.added_at_us = coalesce(s.added_at_us, $at)
"""

# Every string (or list of strings) property holding a needle, on nodes and on relationships.
_TRACES = """
MATCH {pattern}
{where}
UNWIND keys(x) AS key
WITH x, key, x[key] AS value
WITH x, key, value, CASE WHEN value IS :: STRING THEN [value]
                         WHEN value IS :: LIST<STRING NOT NULL> THEN value ELSE [] END AS texts
WHERE any(t IN texts WHERE any(needle IN $needles WHERE toLower(t) CONTAINS needle))
RETURN elementId(x) AS id, key, value
"""
FIND_NODE_TRACES = _TRACES.format(pattern="(x)", where="WHERE NOT any(l IN labels(x) WHERE l IN $skip)")
FIND_EDGE_TRACES = _TRACES.format(pattern="()-[x]->()", where="")
REWRITE_NODES = "UNWIND $rows AS row MATCH (x) WHERE elementId(x) = row.id SET x[row.key] = row.value"
REWRITE_EDGES = "UNWIND $rows AS row MATCH ()-[x]->() WHERE elementId(x) = row.id SET x[row.key] = row.value"

RECORD_AUDIT = """
CREATE (a:ErasureAudit {id: $id, value_hash: $hash, mode: $mode, at_us: $at, properties_changed: $changed,
                        dry_run: $dry_run})
"""


@dataclass(frozen=True)
class ErasureReport:
    audit_id: str
    properties_changed: int
    dry_run: bool


class GovernanceStore:
    def __init__(self, settings: Neo4jSettings) -> None:
        self._database = settings.database
        self._driver = open_driver(settings)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._driver.close()

    def _run(self, cypher: str, **parameters: Any) -> list[neo4j.Record]:
        return list(self._driver.execute_query(cypher, parameters, database_=self._database).records)

    def ensure_schema(self) -> None:
        create_missing(self._driver, self._database, GOVERNANCE_SCHEMA)

    # --- the suppression list ---------------------------------------------
    def read_suppression(self) -> Suppression:
        rows = self._run(READ_SUPPRESSION)
        return Suppression(
            hashes=frozenset(r["hash"] for r in rows if r["mode"] != "pseudonymize"),
            pseudonymized=frozenset(r["hash"] for r in rows if r["mode"] == "pseudonymize"),
            word_counts=frozenset(int(r["words"]) for r in rows),
        )

    # --- erasure -------------------------------------------------------------
    def erase(self, request: ErasureRequest, *, at_us: int, dry_run: bool = False) -> ErasureReport:
        """Add the value to the suppression list (first, so workers stop writing it), rewrite every trace,
        and leave an audit record; with ``dry_run`` only count the properties that would change."""
        if not dry_run:
            self._run(ADD_SUPPRESSION, hash=request.value_hash, words=request.words, mode=request.mode, at=at_us)
        changed = self.rewrite_traces(request, dry_run=dry_run)
        audit_id = str(uuid.uuid4())
        self._run(RECORD_AUDIT, id=audit_id, hash=request.value_hash, mode=request.mode, at=at_us,
                  changed=changed, dry_run=dry_run)
        return ErasureReport(audit_id, changed, dry_run)

    def rewrite_traces(self, request: ErasureRequest, *, dry_run: bool = False) -> int:
        """Rewrite every property holding a trace of the value; the number of properties changed."""
        changed = 0
        for find, rewrite in ((FIND_NODE_TRACES, REWRITE_NODES), (FIND_EDGE_TRACES, REWRITE_EDGES)):
            rows = []
            for record in self._run(find, needles=list(request.needles), skip=_GOVERNANCE_LABELS):
                value = rewrite_value(request, record["value"])
                if value != record["value"]:
                    rows.append({"id": record["id"], "key": record["key"], "value": value})
            changed += len(rows)
            if rows and not dry_run:
                self._run(rewrite, rows=rows)
        return changed

    def audit_records(self) -> list[dict[str, Any]]:
        return [dict(r["a"]) for r in self._run("MATCH (a:ErasureAudit) RETURN a ORDER BY a.at_us")]


# --- run retention ----------------------------------------------------------------------------
RETENTION_SCHEMA = (
    "CREATE CONSTRAINT run_bucket_identity IF NOT EXISTS FOR (b:RunBucket) "
    "REQUIRE (b.job_namespace, b.job_name, b.start_us) IS UNIQUE",
)

JOBS_WITH_RUNS = """
MATCH (j:Job) WHERE EXISTS { (j)-[:HAS_RUN]->(:Run) }
RETURN j.namespace AS namespace, j.name AS name
"""

# Finished runs of one job that belong to it alone (a run ID reused by two jobs is left in detail).
FINISHED_RUNS = """
MATCH (:Job {namespace: $namespace, name: $name})-[:HAS_RUN]->(r:Run)
WHERE r.state_rank >= 3 AND COUNT { ()-[:HAS_RUN]->(r) } = 1
RETURN r.run_id AS run_id, r.state AS state, r.last_seen_us AS seen, r.started_at_us AS started,
       r.ended_at_us AS ended
"""

# Inside the fold's transaction: lock the runs (a worker writing one of them waits or retries),
# read them again with the datasets they touched.
LOCK_AND_READ_RUNS = """
UNWIND $ids AS id
MATCH (:Job {namespace: $namespace, name: $name})-[:HAS_RUN]->(r:Run {run_id: id})
WHERE r.state_rank >= 3
SET r.retention_lock = true
RETURN r.run_id AS run_id, r.state AS state, r.last_seen_us AS seen, r.started_at_us AS started,
       r.ended_at_us AS ended,
       COLLECT { MATCH (d:Dataset)-[:READ_BY]->(r) RETURN d.namespace + '|' + d.name } AS reads,
       COLLECT { MATCH (r)-[:WROTE]->(d:Dataset) RETURN d.namespace + '|' + d.name } AS writes
"""

LOCK_BUCKET = """
MATCH (j:Job {namespace: $namespace, name: $name})
MERGE (b:RunBucket {job_namespace: $namespace, job_name: $name, start_us: $start})
  ON CREATE SET b.runs = 0
MERGE (j)-[:HAS_RUN_BUCKET]->(b)
SET b.retention_lock = true
RETURN properties(b) AS p
"""

WRITE_BUCKET = """
MATCH (b:RunBucket {job_namespace: $namespace, job_name: $name, start_us: $start})
SET b += $props
REMOVE b.retention_lock
"""

DELETE_RUNS = "UNWIND $ids AS id MATCH (r:Run {run_id: id}) DETACH DELETE r"

# Per job: runs, failures and datasets touched, counting detailed runs and folded buckets alike.
JOB_TOTALS = """
MATCH (j:Job)
CALL (j) {
  OPTIONAL MATCH (j)-[:HAS_RUN]->(r:Run)
  RETURN count(r) AS detail, sum(CASE WHEN r.state = 'FAIL' THEN 1 ELSE 0 END) AS detail_failed
}
CALL (j) {
  OPTIONAL MATCH (j)-[:HAS_RUN_BUCKET]->(b:RunBucket)
  RETURN coalesce(sum(b.runs), 0) AS folded, coalesce(sum(b.failed), 0) AS folded_failed,
         collect(b.datasets_read) + collect(b.datasets_written) AS folded_lists
}
RETURN j.namespace AS namespace, j.name AS name, detail + folded AS runs, detail_failed + folded_failed AS failed,
       COLLECT { MATCH (j)-[:HAS_RUN]->(:Run)-[:WROTE]->(d:Dataset) RETURN d.namespace + '|' + d.name } AS wrote,
       COLLECT { MATCH (j)-[:HAS_RUN]->(:Run)<-[:READ_BY]-(d:Dataset) RETURN d.namespace + '|' + d.name } AS read,
       folded_lists
"""


@dataclass(frozen=True)
class JobTotals:
    runs: int
    failed: int
    datasets_touched: int


@dataclass(frozen=True)
class RetentionReport:
    jobs: int
    runs_folded: int
    buckets: int
    dry_run: bool


class RetentionStore(GovernanceStore):
    """Folds expired runs into per-job buckets, one job's chunk of runs per transaction."""

    def ensure_schema(self) -> None:
        create_missing(self._driver, self._database, GOVERNANCE_SCHEMA + RETENTION_SCHEMA)

    def totals(self) -> dict[tuple[str, str], JobTotals]:
        out = {}
        for r in self._run(JOB_TOTALS):
            touched = set(r["wrote"]) | set(r["read"]) | {d for names in r["folded_lists"] for d in names or ()}
            out[(r["namespace"], r["name"])] = JobTotals(int(r["runs"]), int(r["failed"]), len(touched))
        return out

    def run_retention(self, rule: RetentionRule, *, now_us: int, dry_run: bool = False,
                      chunk: int = 500) -> RetentionReport:
        jobs = runs_folded = 0
        buckets: set[tuple[str, str, int]] = set()
        for job in self._run(JOBS_WITH_RUNS):
            namespace, name = job["namespace"], job["name"]
            finished = [RunSummary(r["run_id"], r["state"], int(r["seen"]), r["started"], r["ended"])
                        for r in self._run(FINISHED_RUNS, namespace=namespace, name=name) if r["seen"] is not None]
            expired = expiring(finished, rule, now_us)
            jobs += 1
            for start in range(0, len(expired), chunk):
                ids = [r.run_id for r in expired[start:start + chunk]]
                if dry_run:
                    runs_folded += len(ids)
                    buckets.update((namespace, name, bucket_start(r.seen_us, rule.bucket_us))
                                   for r in expired[start:start + chunk])
                    continue
                with self._driver.session(database=self._database) as session:
                    touched = session.execute_write(_fold_chunk, namespace, name, ids, rule.bucket_us)
                runs_folded += touched[0]
                buckets.update((namespace, name, b) for b in touched[1])
        return RetentionReport(jobs, runs_folded, len(buckets), dry_run)


def _fold_chunk(tx: neo4j.ManagedTransaction, namespace: str, name: str, ids: list[str],
                width_us: int) -> tuple[int, list[int]]:
    """One transaction: lock and read the runs, add them to their buckets, delete them."""
    rows = list(tx.run(LOCK_AND_READ_RUNS, ids=ids, namespace=namespace, name=name))
    runs = [RunSummary(r["run_id"], r["state"], int(r["seen"]), r["started"], r["ended"],
                       tuple(r["reads"]), tuple(r["writes"])) for r in rows]
    by_bucket: dict[int, list[RunSummary]] = {}
    for run in runs:
        by_bucket.setdefault(bucket_start(run.seen_us, width_us), []).append(run)
    for start, members in sorted(by_bucket.items()):
        existing = tx.run(LOCK_BUCKET, namespace=namespace, name=name, start=start).single()
        props = fold(existing["p"] if existing else None, members, start, width_us)
        tx.run(WRITE_BUCKET, namespace=namespace, name=name, start=start, props=props).consume()
    tx.run(DELETE_RUNS, ids=[r.run_id for r in runs]).consume()
    return len(runs), sorted(by_bucket)
