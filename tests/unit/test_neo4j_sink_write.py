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
    """Records each statement with a copy of its parameters as they were when it ran, and keeps the
    parameters themselves, as the driver's ``Result`` does."""

    def __init__(self, fail: bool = False) -> None:
        self.runs: list[tuple[str, dict[str, Any]]] = []
        self.kept: list[dict[str, Any]] = []
        self.fail = fail

    def run(self, query: str, **parameters: Any) -> _Result:
        self.runs.append((query, {k: dict(v) if isinstance(v, dict) else v for k, v in parameters.items()}))
        self.kept.append(parameters)
        if self.fail:
            raise RuntimeError("the server went away")
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


def test_the_rows_are_let_go_once_the_statement_ran_and_the_batch_keeps_them() -> None:
    """The driver's Result keeps the parameters in a reference cycle: what it holds must not be the rows."""
    import pytest

    for fail in (False, True):
        batch = GraphBatch(datasets=[{"namespace": "ns", "name": "a"}], offsets=[{"topic": "t"}])
        tx = _RecordingTransaction(fail=fail)
        if fail:
            with pytest.raises(RuntimeError):
                _apply(tx, batch)  # type: ignore[arg-type]
        else:
            _apply(tx, batch)  # type: ignore[arg-type]
        assert tx.kept[0]["batch"] == {}
        assert batch.datasets == [{"namespace": "ns", "name": "a"}] and batch.offsets == [{"topic": "t"}]
        assert tx.runs[0][1]["batch"]["datasets"] is batch.datasets  # what ran was the batch's own rows
