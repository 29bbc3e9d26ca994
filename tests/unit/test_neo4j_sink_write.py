"""A batch's transaction runs exactly one statement, the batch statement, with every row kind's list.

Run apart, the row kinds' statements were planned (and then kept, ``replan=skip``) inside whichever
transaction first ran them; planned after an earlier statement of the same transaction had created a
node, Neo4j 5.26 chose an index scan per row for their MATCH by identity. The batch statement is the
first and only statement of its transaction, so it is always planned with nothing written yet.
"""

from __future__ import annotations

from typing import Any

from lineage_stream.adapters.neo4j_sink import _apply
from lineage_stream.graph.cypher import WRITE_ATTRIBUTES, WRITE_BATCH
from lineage_stream.graph.plan import GraphBatch


class _Result:
    def consume(self) -> None:
        return None


class _RecordingTransaction:
    def __init__(self) -> None:
        self.runs: list[tuple[str, dict[str, Any]]] = []

    def run(self, query: str, **parameters: Any) -> _Result:
        self.runs.append((query, parameters))
        return _Result()


def test_one_statement_per_transaction_with_every_list_even_empty() -> None:
    batch = GraphBatch(datasets=[{"namespace": "ns", "name": "a"}], offsets=[{"topic": "t"}])
    tx = _RecordingTransaction()
    _apply(tx, batch)  # type: ignore[arg-type]
    assert len(tx.runs) == 1
    query, parameters = tx.runs[0]
    assert query == WRITE_BATCH
    assert set(parameters) == {"batch"}
    assert tuple(parameters["batch"]) == WRITE_ATTRIBUTES
    assert parameters["batch"]["datasets"] is batch.datasets
    assert parameters["batch"]["offsets"] is batch.offsets
    assert parameters["batch"]["runs"] == []
