"""The Neo4j side of governance: the suppression list, erasure of a person's traces, its audit trail.

The suppression list lives in the graph (``:SuppressedValue {hash, words, mode}``) so every worker
sees it; it holds keyed hashes only. ``:ErasureAudit`` records who-knows-what-was-erased by hash,
when, how, and how many properties changed.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

import neo4j

from lineage_stream.adapters.neo4j_sink import open_driver
from lineage_stream.governance.erasure import ErasureRequest, rewrite_value
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

    def __enter__(self) -> GovernanceStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._driver.close()

    def _run(self, cypher: str, **parameters: Any) -> list[neo4j.Record]:
        return list(self._driver.execute_query(cypher, parameters, database_=self._database).records)

    def ensure_schema(self) -> None:
        for statement in GOVERNANCE_SCHEMA:
            self._run(statement)

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
