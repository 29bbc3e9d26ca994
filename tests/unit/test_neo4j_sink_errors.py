from __future__ import annotations

import pytest
from neo4j.exceptions import AuthError, ConnectionAcquisitionTimeoutError, ServiceUnavailable

from lineage_stream.adapters.neo4j_sink import Neo4jSink
from lineage_stream.errors import RetryableError, SinkAuthError, SinkUnavailable


def _sink() -> Neo4jSink:
    sink = Neo4jSink.__new__(Neo4jSink)  # the classification needs no connection
    sink._user = "lineage"
    return sink


@pytest.mark.parametrize("error, expected", [
    (ConnectionAcquisitionTimeoutError("failed to obtain a connection from the pool within 10.0s (timeout)"),
     SinkUnavailable),
    (ServiceUnavailable("Couldn't connect to localhost:7687"), SinkUnavailable),
    (AuthError("The client is unauthorized due to authentication failure."), SinkAuthError),
])
def test_neo4j_errors_are_classified_by_what_happens_next(error, expected):
    """A pool that cannot hand out a connection in time is an outage to wait out, not a crash
    (a worker died of it while three workers deadlocked each other on two cores)."""
    with pytest.raises(expected) as raised:
        with _sink()._classified("checking event IDs"):
            raise error
    assert raised.value.__cause__ is error or expected is SinkAuthError
    assert isinstance(raised.value, RetryableError) == (expected is SinkUnavailable)
