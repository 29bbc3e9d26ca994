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


def test_the_parameter_leaves_the_rows_out_of_its_repr_and_packs_as_a_plain_map() -> None:
    """The driver formats every RUN for its debug log, logging on or not: ``repr`` of the parameters.

    A batch of 1,000 records made 2 MB of that text; the parameter's ``repr`` names the row count
    instead. What goes on the wire must not change: both packers send the subclass as a map.
    """
    import io

    from neo4j._codec.packstream.v1 import Packer, _rust_pack

    batch = GraphBatch(datasets=[{"namespace": "ns", "name": "secret-looking-name", "at": 7}],
                       runs=[{"run_id": "r", "facets": ["a", "b"], "n": None}], offsets=[{"topic": "t"}])
    tx = _RecordingTransaction()
    _apply(tx, batch)  # type: ignore[arg-type]
    plain = {attribute: getattr(batch, attribute) for attribute in WRITE_ATTRIBUTES}
    rows = type(tx.kept[0]["batch"])(plain)  # the kept one was emptied once the statement ran
    assert rows == plain
    assert "secret-looking-name" not in repr(rows) and "secret-looking-name" not in str({"batch": rows})
    assert repr(rows) == f"<3 rows of {len(WRITE_ATTRIBUTES)} kinds>"

    def packed(parameters: dict[str, Any], python: bool) -> bytes:
        buffer = io.BytesIO()
        packer = Packer(buffer)
        if python:
            packer._py_pack(parameters, packer._inject_hooks())
        else:
            packer.pack(parameters)
        return buffer.getvalue()

    for python in (True, False) if _rust_pack is not None else (True,):
        assert packed({"batch": rows}, python) == packed({"batch": plain}, python)
