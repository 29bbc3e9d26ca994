"""The bench's Neo4j: may it be wiped, wiping it, and deleting only what the bench wrote.

The bench measures writes into an empty graph, so between phases it empties the graph. It does
so only when told to (``--wipe``) or when the graph holds nothing but bench data: datasets, jobs,
fields and schema versions whose namespace holds ``bench-<token>`` (eight hex digits, as
``bench.events.namespace_token`` makes them), Kafka offsets of ``bench-`` groups
(runs and applied-event IDs hang off those). With ``--scoped`` it never wipes: it deletes only
what it wrote itself (its namespaces, its runs, its event IDs, its groups' offsets).
"""

from __future__ import annotations

from typing import Any, Sequence

MARKER = "bench-"
_NODE_ROWS = 1_000
"""Nodes per transaction when deleting: a hot dataset holds tens of thousands of relationships, and a
transaction deleting many of them at once can exceed Neo4j's transaction memory pool."""
BENCH_NAMESPACE = ".*bench-[0-9a-f]{8}([^0-9a-f].*)?"
"""A namespace the bench made: it holds ``bench-`` and a token of eight hex digits."""
_ROWS = 10_000

FOREIGN_NODES = """
MATCH (n)
WHERE NOT (n:Run OR n:AppliedEvent)
  AND NOT coalesce(n.namespace =~ $namespace, false)
  AND NOT (n:KafkaOffset AND coalesce(n.group STARTS WITH $marker, false))
RETURN count(n) AS foreign
"""

_SCOPED = (
    # (the MATCH that finds what to delete, its parameters); runs first, while their jobs lead to them
    ("MATCH (j:Job)-[:HAS_RUN]->(n:Run) WHERE j.namespace CONTAINS $marker", ("marker",)),
    ("UNWIND $ids AS id MATCH (n:AppliedEvent {event_id: id})", ("ids",)),
    ("MATCH (n:Job) WHERE n.namespace CONTAINS $marker", ("marker",)),
    ("MATCH (n:Dataset) WHERE n.namespace CONTAINS $marker", ("marker",)),
    ("MATCH (n:Field) WHERE n.namespace CONTAINS $marker", ("marker",)),
    ("MATCH (n:SchemaVersion) WHERE n.namespace CONTAINS $marker", ("marker",)),
    ("UNWIND $groups AS g MATCH (n:KafkaOffset {group: g})", ("groups",)),
)


def foreign_nodes(driver: Any, database: str) -> int:
    """How many nodes are not bench data (0: the graph may be wiped without asking)."""
    records, _, _ = driver.execute_query(FOREIGN_NODES, marker=MARKER, namespace=BENCH_NAMESPACE, database_=database)
    return int(records[0]["foreign"])


def _delete(session: Any, match: str, parameters: dict[str, Any], *, what: str = "n", rows: int = _NODE_ROWS,
            action: str = "DETACH DELETE") -> int:
    from neo4j.exceptions import CypherSyntaxError

    for body in (f"CALL ({what}) {{ {action} {what} }}", f"CALL {{ WITH {what} {action} {what} }}"):  # 5.23+, then older
        query = f"{match} {body} IN TRANSACTIONS OF {rows} ROWS RETURN count(*) AS deleted"
        try:
            record = session.run(query, parameters).single()
            return int(record["deleted"]) if record else 0
        except CypherSyntaxError:
            continue
    raise RuntimeError("this Neo4j knows neither form of CALL ... IN TRANSACTIONS")


def wipe(driver: Any, database: str) -> int:
    """Delete every relationship, then every node (auto-commit, in batches); returns the nodes deleted."""
    with driver.session(database=database) as session:
        _delete(session, "MATCH ()-[r]->()", {}, what="r", rows=_ROWS, action="DELETE")
        return _delete(session, "MATCH (n)", {}, rows=_ROWS)


def delete_scoped(driver: Any, database: str, marker: str, event_ids: Sequence[str], groups: Sequence[str]) -> int:
    """Delete what a bench phase wrote under ``marker`` (its namespaces), its event IDs and its groups' offsets."""
    parameters: dict[str, Any] = {"marker": marker, "ids": list(event_ids), "groups": list(groups)}
    deleted = 0
    with driver.session(database=database) as session:
        for match, names in _SCOPED:
            deleted += _delete(session, match, {k: parameters[k] for k in names})
    return deleted
