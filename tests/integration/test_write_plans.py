"""The write statements keep their first plan (``CYPHER replan=skip``): that is safe only because
every lookup in them is an index seek whatever the statistics, even on an empty graph, where a
cost-based planner is most tempted by a scan, and whatever the transaction had written before: the
row kinds' statements, run one after another in a transaction, were planned with an index scan per
row for their MATCH by identity when an earlier statement had created a node (Neo4j 5.26), and kept
that plan. (Which index a MATCH seeks by, the unique constraint's
or the name index, depends on the statistics; either finds the node without a scan.)"""

from __future__ import annotations

import re

import pytest

from lineage_stream.adapters.neo4j_sink import Neo4jSink
from lineage_stream.graph.cypher import READ_APPLIED, WRITE_ATTRIBUTES, WRITE_BATCH, WRITE_IMPORTS, WRITE_ORDER
from lineage_stream.settings import Neo4jSettings

pytestmark = pytest.mark.integration


def _operators(plan):
    yield plan.operator_type if hasattr(plan, "operator_type") else plan["operatorType"]
    for child in plan.children if hasattr(plan, "children") else plan.get("children", []):
        yield from _operators(child)


def test_every_write_statement_seeks_by_unique_index_on_an_empty_graph_and_keeps_its_plan(services, graph):
    with Neo4jSink(Neo4jSettings(services.neo4j_uri, services.neo4j_user, services.neo4j_password, "neo4j")) as sink:
        sink.ensure_schema()
    for attribute, statement in WRITE_ORDER:
        assert statement.startswith("CYPHER replan=skip\n"), attribute
        # A statement that reads node lists of earlier ones (WRITE_IMPORTS) is given empty ones.
        lists = WRITE_IMPORTS[attribute]
        bound = ("WITH " + ", ".join(f"[] AS {name}" for name in lists) + "\n") if lists else ""
        with graph.session() as session:
            operators = list(_operators(session.run(
                "EXPLAIN " + statement.replace("CYPHER replan=skip\n", "CYPHER replan=skip\n" + bound), rows=[]
            ).consume().plan))
        assert not [op for op in operators if "Scan" in op], (attribute, operators)
        if re.search(r"\(\w+:\w+ \{", statement):  # a node by its properties: found by a seek
            assert any("IndexSeek" in op for op in operators), (attribute, operators)
        else:  # its nodes come from the lists: nothing to look up
            assert not any("IndexSeek" in op for op in operators), (attribute, operators)
    # What the sink runs: all of them as one statement.
    assert WRITE_BATCH.startswith("CYPHER replan=skip\n")
    with graph.session() as session:
        operators = list(_operators(session.run(
            "EXPLAIN " + WRITE_BATCH, batch={attribute: [] for attribute in WRITE_ATTRIBUTES}).consume().plan))
    assert not [op for op in operators if "Scan" in op], operators
    assert sum("IndexSeek" in op for op in operators) >= sum(
        bool(re.search(r"\(\w+:\w+ \{", statement)) for _, statement in WRITE_ORDER), operators
    with graph.session() as session:
        operators = list(_operators(session.run("EXPLAIN " + READ_APPLIED, ids=[]).consume().plan))
    assert any("UniqueIndexSeek" in op for op in operators) and not [op for op in operators if "Scan" in op]


def test_the_batch_statement_seeks_even_when_planned_after_a_write_in_its_transaction(services, graph):
    with Neo4jSink(Neo4jSettings(services.neo4j_uri, services.neo4j_user, services.neo4j_password, "neo4j")) as sink:
        sink.ensure_schema()
    # A thousand rows of each kind: the planner sees the lists' sizes, and the scans came with
    # a few hundred rows (a statement apart chose them from about 200 rows up).
    rows = [{"namespace": "ns", "name": f"d{i}"} for i in range(1000)]
    with graph.session() as session:
        tx = session.begin_transaction()
        try:
            tx.run("CREATE (:AppliedEvent {event_id: 'plan-check', applied_at_us: 0})").consume()
            operators = list(_operators(tx.run(
                "EXPLAIN " + WRITE_BATCH, batch={attribute: rows for attribute in WRITE_ATTRIBUTES}).consume().plan))
        finally:
            tx.rollback()
    assert not [op for op in operators if "Scan" in op], operators
