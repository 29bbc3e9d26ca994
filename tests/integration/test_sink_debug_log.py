"""With the driver's debug log on, a batch's rows reach Neo4j and stay out of the log.

The driver formats each RUN message's parameters for that log (it does so, at a cost, even when the
log is off; see ``neo4j_sink._Rows``).
"""

from __future__ import annotations

import logging
import uuid

import pytest

from lineage_stream.adapters.neo4j_sink import Neo4jSink
from lineage_stream.graph.plan import plan_batch
from lineage_stream.settings import Neo4jSettings
from factories import dataset, run_event

pytestmark = pytest.mark.integration


def test_a_written_batch_is_in_the_graph_and_its_rows_are_not_in_the_drivers_debug_log(services, graph, caplog):
    planted = f"planted-{uuid.uuid4().hex}"
    event = run_event(f"run-{planted}", outputs=(dataset(planted, namespace="debug-log://test"),))
    batch = plan_batch([event], [], applied_at_us=1)
    settings = Neo4jSettings(services.neo4j_uri, services.neo4j_user, services.neo4j_password, "neo4j")
    with caplog.at_level(logging.DEBUG, logger="neo4j"), Neo4jSink(settings) as sink:
        sink.ensure_schema()
        sink.write(batch)
    runs = [r.getMessage() for r in caplog.records if "C: RUN" in r.getMessage()]
    assert runs, "the driver's debug log said nothing: the test would prove nothing"
    assert any("rows of" in message for message in runs)
    assert planted not in caplog.text
    with graph.session() as session:
        found = session.run("MATCH (d:Dataset {namespace: 'debug-log://test', name: $name}) RETURN count(d) AS n",
                            name=planted).single()["n"]
    assert found == 1
